using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

public class EnrolmentCodeTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnrolmentCode_AfterConsoleUnlock_IsAskedBeforeAnySecretAndEnrolsOnce()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var code = CodeOf(await harness.Administration.UnlockAsync("alice", "root", Cancel));

        var password = await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null, Cancel);
        var challenge = Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(password).ChallengeId;
        var accepted = await harness.SignIn.SubmitEnrolmentCodeAsync(challenge, code.ToLowerInvariant(), null, Cancel);

        Assert.True(Assert.IsType<SecondFactorResult.SignedIn>(accepted).MustEnrol);
        var stored = harness.Stored(alice);
        Assert.False(stored.EnrolmentCode.IsIssued);
        var (enrolment, _) = harness.PrepareEnrolment("alice");
        Assert.IsType<EnrolmentResult.Completed>(await harness.Enrolments.CompleteAsync(enrolment, alice.Id, stored.SecurityStamp, true, null, Cancel));

        // The same code again, after a second reset left the account waiting once more: refused and counted.
        await harness.Administration.UnlockAsync("alice", "root", Cancel);
        var again = await ChallengeAsync(harness, alice);
        Assert.IsType<SecondFactorResult.InvalidEnrolmentCode>(await harness.SignIn.SubmitEnrolmentCodeAsync(again, code, null, Cancel));
        Assert.Equal(1, harness.Stored(alice).BackupFailures);
    }

    [Fact]
    public async Task EnrolmentCode_UsedOnce_IsNotAcceptedASecondTime()
    {
        using var harness = new CoreHarness();
        var (id, code) = harness.CreateAccountAwaitingEnrolment("erin");
        var erin = new EnrolledAccount(id, "erin", TestPasswords.Default, [], []);
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.SignIn.SubmitEnrolmentCodeAsync(await ChallengeAsync(harness, erin), code, null, Cancel));

        var second = await harness.SignIn.SubmitEnrolmentCodeAsync(await ChallengeAsync(harness, erin), code, null, Cancel);

        Assert.Equal(new SecondFactorResult.EnrolmentCodeUnavailable(Expired: false, "nasdash console unlock erin"), second);
    }

    [Fact]
    public async Task EnrolmentCode_WrongOnes_CountTowardNAndTheNthSuperLocks()
    {
        using var harness = new CoreHarness(TwoFactorSettings.Defaults with { MaxFailedBackupSubmissions = 3 });
        var (id, _) = harness.CreateAccountAwaitingEnrolment("erin");
        var erin = new EnrolledAccount(id, "erin", TestPasswords.Default, [], []);
        var challenge = await ChallengeAsync(harness, erin);

        var first = await harness.SignIn.SubmitEnrolmentCodeAsync(challenge, harness.WrongCodes(1)[0], null, Cancel);
        var second = await harness.SignIn.SubmitEnrolmentCodeAsync(challenge, harness.WrongCodes(1)[0], null, Cancel);
        var third = await harness.SignIn.SubmitEnrolmentCodeAsync(challenge, harness.WrongCodes(1)[0], null, Cancel);

        Assert.Equal([new SecondFactorResult.InvalidEnrolmentCode(2), new SecondFactorResult.InvalidEnrolmentCode(1)], new[] { first, second });
        Assert.Equal(new SecondFactorResult.SuperLocked("erin", false), third);
        Assert.Equal(AccountState.SuperLocked, harness.Stored(erin).State);
        Assert.Equal([LockoutEventKind.SuperLocked], harness.Lockouts.Kinds);
        // Super-locked, even the right code is no longer judged.
        Assert.IsType<PasswordStepResult.SuperLocked>(await harness.SignIn.SubmitPasswordAsync("erin", erin.Password, null, Cancel));
    }

    [Fact]
    public async Task EnrolmentCode_MalformedInput_IsNotCounted()
    {
        using var harness = new CoreHarness();
        var (id, _) = harness.CreateAccountAwaitingEnrolment("erin");
        var erin = new EnrolledAccount(id, "erin", TestPasswords.Default, [], []);

        var result = await harness.SignIn.SubmitEnrolmentCodeAsync(await ChallengeAsync(harness, erin), "not a code!", null, Cancel);

        Assert.IsType<SecondFactorResult.Malformed>(result);
        Assert.Equal(0, harness.Stored(erin).BackupFailures);
    }

    [Fact]
    public async Task EnrolmentCode_After24Hours_IsRefusedAsExpiredNamingTheConsoleCommand()
    {
        using var harness = new CoreHarness();
        var (id, code) = harness.CreateAccountAwaitingEnrolment("erin");
        var erin = new EnrolledAccount(id, "erin", TestPasswords.Default, [], []);
        harness.Time.Advance(EnrolmentCodePolicy.DefaultLifetime);

        var result = await harness.SignIn.SubmitEnrolmentCodeAsync(await ChallengeAsync(harness, erin), code, null, Cancel);

        Assert.Equal(new SecondFactorResult.EnrolmentCodeUnavailable(Expired: true, "nasdash console unlock erin"), result);
        Assert.Equal(0, harness.Stored(erin).BackupFailures);
    }

    [Fact]
    public async Task EnrolmentCode_TwoBrowsersRacingWithTheSameCode_ExactlyOneEnrols()
    {
        using var harness = new CoreHarness();
        var (id, code) = harness.CreateAccountAwaitingEnrolment("erin");
        var erin = new EnrolledAccount(id, "erin", TestPasswords.Default, [], []);
        var challenges = new[] { await ChallengeAsync(harness, erin), await ChallengeAsync(harness, erin) };

        var verdicts = await Task.WhenAll(challenges.Select(c => Task.Run(() => harness.SignIn.SubmitEnrolmentCodeAsync(c, code, null, Cancel), Cancel)));

        Assert.Single(verdicts, v => v is SecondFactorResult.SignedIn);
        var stamp = harness.Stored(erin).SecurityStamp;
        var completions = new List<EnrolmentResult>();
        foreach (var _ in challenges)
        {
            var (enrolment, _) = harness.PrepareEnrolment("erin");
            completions.Add(await harness.Enrolments.CompleteAsync(enrolment, id, stamp, true, null, Cancel));
        }

        Assert.IsType<EnrolmentResult.Completed>(completions[0]);
        Assert.IsType<EnrolmentResult.SessionChanged>(completions[1]);
    }

    [Fact]
    public async Task Complete_AfterAResetInBetween_IsRefused()
    {
        using var harness = new CoreHarness();
        var (id, code) = harness.CreateAccountAwaitingEnrolment("erin");
        var erin = new EnrolledAccount(id, "erin", TestPasswords.Default, [], []);
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.SignIn.SubmitEnrolmentCodeAsync(await ChallengeAsync(harness, erin), code, null, Cancel));
        var sessionStamp = harness.Stored(erin).SecurityStamp;
        var (enrolment, _) = harness.PrepareEnrolment("erin");

        await harness.Administration.UnlockAsync("erin", "root", Cancel);

        Assert.IsType<EnrolmentResult.SessionChanged>(await harness.Enrolments.CompleteAsync(enrolment, id, sessionStamp, true, null, Cancel));
        Assert.False(harness.Stored(erin).SecondFactor.IsEnrolled);
    }

    [Fact]
    public async Task EnrolmentCode_IsStoredOnlyAsAHash()
    {
        using var harness = new CoreHarness();
        var (id, code) = harness.CreateAccountAwaitingEnrolment("erin");
        harness.Reopen();

        var raw = File.ReadAllBytes(Path.Combine(harness.DataDirectory, "nasdash.db"));
        var stored = harness.Store.FindById(id)!;

        Assert.Equal(1, stored.EnrolmentCode.Code!.Total);
        Assert.True(stored.EnrolmentCode.Matches(BackupCodes.Normalize(code)!));
        Assert.DoesNotContain(BackupCodes.Normalize(code)!, System.Text.Encoding.ASCII.GetString(raw), StringComparison.Ordinal);
    }

    private static async Task<string> ChallengeAsync(CoreHarness harness, EnrolledAccount account) =>
        Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(await harness.SignIn.SubmitPasswordAsync(account.UserName, account.Password, null, Cancel)).ChallengeId;

    private static string CodeOf(AdministrationResult result) =>
        System.Text.RegularExpressions.Regex.Match(result.Message, @"Enrolment code for \S+: (\S+) ").Groups[1].Value;
}
