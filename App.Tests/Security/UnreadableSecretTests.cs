using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>Lost Data Protection keys must give a clear refusal, not an exception on the login page.</summary>
public sealed class UnreadableSecretTests
{
    [Fact]
    public async Task SubmitTotp_SecretNoLongerDecrypts_ClearRefusalAndNothingCounted()
    {
        using var h = new CoreHarness();
        var alice = h.CreateEnrolledAccount("alice");
        var stored = h.Stored(alice);
        stored.AuthenticatorRenewed(Convert.ToBase64String(new byte[64]), stored.SecondFactor.LastTotpStep);
        h.Store.SaveSetUp(stored);
        var challenge = await h.ChallengeAsync(alice);

        var result = await h.SignIn.SubmitTotpAsync(challenge, "123456", null, TestContext.Current.CancellationToken);

        var refusal = Assert.IsType<SecondFactorResult.Malformed>(result);
        Assert.Contains("backup codes", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Stored(alice).TotpFailures);
    }

    [Fact]
    public async Task StepUp_SecretNoLongerDecrypts_Unavailable()
    {
        using var h = new CoreHarness();
        var alice = h.CreateEnrolledAccount("alice");
        var stored = h.Stored(alice);
        stored.AuthenticatorRenewed(Convert.ToBase64String(new byte[64]), stored.SecondFactor.LastTotpStep);
        h.Store.SaveSetUp(stored);

        var outcome = await h.StepUp.VerifyAsync(alice.Id, "123456", StepUpPurpose.EnableSsh, null, TestContext.Current.CancellationToken);

        Assert.Equal(StepUpOutcome.Unavailable, outcome);
    }
}
