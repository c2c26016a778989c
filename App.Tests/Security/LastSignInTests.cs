using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>"Last sign-in" (users table, my account, `console status --json`'s lastSignInAt) moves with sign-ins only.</summary>
public sealed class LastSignInTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StepUp_AcceptedAfterASignIn_LeavesTheLastSignInAtTheSignIn()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.SignIn.SubmitTotpAsync(challenge, harness.NextCode(alice), null, Cancel));
        var signedIn = harness.Time.GetUtcNow();

        harness.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), StepUpPurpose.SaveTwoFactorSettings, null, Cancel));

        Assert.Equal(signedIn, harness.Stored(alice).LastSignInAt);
    }

    [Fact]
    public async Task EnrolmentCode_Accepted_IsTheLastSignInAlsoInConsoleStatus()
    {
        using var harness = new CoreHarness();
        var (id, code) = harness.CreateAccountAwaitingEnrolment("erin");
        var erin = new EnrolledAccount(id, "erin", TestPasswords.Default, [], []);
        var challenge = Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(
            await harness.SignIn.SubmitPasswordAsync(erin.UserName, erin.Password, null, Cancel)).ChallengeId;

        Assert.IsType<SecondFactorResult.SignedIn>(await harness.SignIn.SubmitEnrolmentCodeAsync(challenge, code, null, Cancel));

        Assert.Equal(harness.Time.GetUtcNow(), harness.Stored(erin).LastSignInAt);
        Assert.Equal(harness.Time.GetUtcNow(), Assert.Single(harness.Administration.Status().Accounts, a => a.UserName == "erin").LastSignInAt);
    }
}
