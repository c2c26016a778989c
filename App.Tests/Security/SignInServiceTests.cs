using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// The sign-in steps of <see cref="SignInService"/> one by one (password, authenticator code, backup codes, enrolment
/// code): right, wrong and replayed answers, the throttle, and that each verdict is on disk before it is returned
/// (every counted answer is checked after <see cref="CoreHarness.Reopen"/>, as after a crash right behind the verdict).
/// The full state machine is <see cref="LockoutTransitionTests"/>; malformed input is <see cref="BadInputTests"/>.
/// </summary>
public sealed class SignInServiceTests
{
    // T = 3 wrong codes before Recovery, N = 3 failed submissions before SuperLocked, M = 2 codes of 5.
    private static readonly TwoFactorSettings Policy = TwoFactorSettings.Defaults with
    {
        TotpFailuresBeforeRecovery = 3,
        MaxFailedBackupSubmissions = 3,
        RequiredCodesAtRecovery = 2,
        CodesPerUser = 5,
        TotpWindow = 1,
    };

    private const string Client = "192.0.2.40";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SubmitPassword_UnknownUserNameAgainAndAgain_OneAuditEntryPerNameAndAddressPerInterval()
    {
        using var harness = new CoreHarness(Policy);
        IReadOnlyList<AuditEvent> Unknown() =>
            [.. harness.Store.Query(new AuditQuery(EventPrefix: AuditNames.LoginPassword.Id)).Where(e => e.Detail!.StartsWith("unknown user name", StringComparison.Ordinal))];

        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle - 1; i++)
        {
            await harness.SignIn.SubmitPasswordAsync("nobody", $"guess {i}", Client, Ct);
        }

        Assert.Single(Unknown());
        await harness.SignIn.SubmitPasswordAsync("nobody", "guess", "192.0.2.41", Ct);
        await harness.SignIn.SubmitPasswordAsync("someone-else", "guess", Client, Ct);
        Assert.Equal(3, Unknown().Count);

        harness.Time.Advance(RefusedSignIns.SummaryInterval);
        await harness.SignIn.SubmitPasswordAsync("nobody", "guess", Client, Ct);

        var summary = Unknown()[0];
        Assert.Equal(4, Unknown().Count);
        Assert.Equal((Client, $"unknown user name; 4 wrong passwords for it from this address since {CoreHarness.Start:yyyy-MM-dd HH:mm:ss} UTC"),
            (summary.ClientAddress, summary.Detail));
    }

    [Fact]
    public async Task SubmitPassword_Right_AsksForTheAuthenticatorCodeAndCountsNothing()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");

        var result = await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, Client, Ct);

        var required = Assert.IsType<PasswordStepResult.SecondFactorRequired>(result);
        Assert.Equal((SecondFactorMethod.Totp, 2, false), (required.Method, required.RequiredCodes, required.InRecovery));
        Assert.Equal((0, 0, 0), Counters(harness.Stored(alice)));
        Assert.Single(harness.AuditOf("alice", AuditNames.LoginPassword.Id), e => e.Outcome == "succeeded" && e.ClientAddress == Client);
    }

    [Fact]
    public async Task SubmitPassword_Wrong_IsCountedOnDiskBeforeTheVerdict()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");

        var result = await harness.SignIn.SubmitPasswordAsync("alice", "not the password", Client, Ct);

        Assert.IsType<PasswordStepResult.InvalidCredentials>(result);
        harness.Reopen();
        Assert.Equal((1, 0, 0), Counters(harness.Stored(alice)));
        Assert.Single(harness.AuditOf("alice", AuditNames.LoginPassword.Id), e => e.Outcome == "failed");
    }

    [Fact]
    public async Task SubmitPassword_FifthWrong_PausesThe30SecondsOnDiskAndThenRefusesEvenTheRightOneUnevaluated()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");
        for (var i = 1; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            Assert.IsType<PasswordStepResult.InvalidCredentials>(await harness.SignIn.SubmitPasswordAsync("alice", "wrong", $"192.0.2.{i}", Ct));
        }

        var fifth = await harness.SignIn.SubmitPasswordAsync("alice", "wrong", "192.0.2.5", Ct);

        var until = harness.Time.GetUtcNow() + PasswordThrottle.FirstDelay;
        Assert.Equal(new PasswordStepResult.Throttled(until), fifth);
        harness.Reopen();
        Assert.Equal(until, harness.Stored(alice).LockedUntil);
        Assert.Equal(new PasswordStepResult.Throttled(until), await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, "192.0.2.6", Ct));
        Assert.Equal(5, harness.Stored(alice).PasswordFailures);

        harness.Time.Advance(PasswordThrottle.FirstDelay);
        Assert.IsType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, "192.0.2.7", Ct));
        Assert.Equal(0, harness.Stored(alice).PasswordFailures);
    }

    [Fact]
    public async Task SubmitPassword_UnknownUserName_IsAnsweredAndPausedLikeAKnownOne()
    {
        using var harness = new CoreHarness(Policy);
        harness.CreateEnrolledAccount("alice");

        var known = new List<PasswordStepResult>();
        var unknown = new List<PasswordStepResult>();
        for (var i = 1; i <= PasswordThrottle.FailuresBeforeThrottle + 1; i++)
        {
            known.Add(await harness.SignIn.SubmitPasswordAsync("alice", "wrong", $"192.0.2.{i}", Ct));
            unknown.Add(await harness.SignIn.SubmitPasswordAsync("nobody", "wrong", $"198.51.100.{i}", Ct));
        }

        Assert.Equal(known, unknown);
        Assert.IsType<PasswordStepResult.Throttled>(unknown[^1]);
    }

    [Fact]
    public async Task SubmitTotp_Right_SignsInWithATicketAndClearsTheCountOnDisk()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");
        Assert.IsType<SecondFactorResult.InvalidTotp>(await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.WrongCode(alice), Client, Ct));

        var result = await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.NextCode(alice), Client, Ct);

        var signedIn = Assert.IsType<SecondFactorResult.SignedIn>(result);
        Assert.False(signedIn.MustEnrol);
        harness.Reopen();
        Assert.Equal((0, 0, 0), Counters(harness.Stored(alice)));
        Assert.Equal(harness.Time.GetUtcNow(), harness.Stored(alice).LastSignInAt);
        Assert.Single(harness.AuditOf("alice", AuditNames.LoginTotp.Id), e => e.Outcome == "succeeded");
    }

    [Fact]
    public async Task SubmitTotp_Wrong_IsCountedOnDiskBeforeTheVerdict()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");

        var result = await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.WrongCode(alice), Client, Ct);

        Assert.Equal(new SecondFactorResult.InvalidTotp(2, Replayed: false), result);
        harness.Reopen();
        Assert.Equal((0, 1, 0), Counters(harness.Stored(alice)));
    }

    [Fact]
    public async Task SubmitTotp_ReplayedOnANewSignIn_IsRefusedAsReplayedAndCounted()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");
        var code = harness.NextCode(alice);
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), code, Client, Ct));

        var replayed = await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), code, "198.51.100.9", Ct);

        Assert.Equal(new SecondFactorResult.InvalidTotp(2, Replayed: true), replayed);
        harness.Reopen();
        Assert.Equal((0, 1, 0), Counters(harness.Stored(alice)));
    }

    [Fact]
    public async Task SubmitTotp_TthWrong_MovesToRecoveryOnDiskAndPublishesIt()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);
        await harness.SignIn.SubmitTotpAsync(challenge, harness.WrongCode(alice), Client, Ct);
        await harness.SignIn.SubmitTotpAsync(challenge, harness.WrongCode(alice), Client, Ct);

        var third = await harness.SignIn.SubmitTotpAsync(challenge, harness.WrongCode(alice), Client, Ct);

        Assert.Equal(new SecondFactorResult.MovedToRecovery(2), third);
        Assert.Equal([LockoutEventKind.MovedToRecovery], harness.Lockouts.Kinds);
        harness.Reopen();
        Assert.Equal(AccountState.Recovery, harness.Stored(alice).State);
        Assert.Equal(new SecondFactorResult.RecoveryRequired(2), await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.NextCode(alice), Client, Ct));
    }

    [Fact]
    public async Task SubmitBackupCodes_MRightOnes_SignInToEnrolAgainAndTheBatchIsGoneOnDisk()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");

        var result = await harness.SignIn.SubmitBackupCodesAsync(await harness.ChallengeAsync(alice), alice.Codes(2), Client, Ct);

        Assert.True(Assert.IsType<SecondFactorResult.SignedIn>(result).MustEnrol);
        harness.Reopen();
        var stored = harness.Stored(alice);
        Assert.Equal((AccountState.Normal, false, true), (stored.State, stored.SecondFactor.IsEnrolled, stored.MustEnrol));
        // No batch is left for those codes to open again: a new sign-in is asked for an enrolment code instead.
        Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, Client, Ct));
    }

    [Fact]
    public async Task SubmitBackupCodes_OneWrong_StartsRecoveryAndIsCountedOnDiskBeforeTheVerdict()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");

        var result = await harness.SignIn.SubmitBackupCodesAsync(await harness.ChallengeAsync(alice), [alice.Codes(1)[0], harness.WrongCodes(1)[0]], Client, Ct);

        Assert.Equal(new SecondFactorResult.InvalidBackupCodes(2, SshMayBeDisabled: false), result);
        Assert.Equal([LockoutEventKind.RecoveryStarted], harness.Lockouts.Kinds);
        harness.Reopen();
        var stored = harness.Stored(alice);
        Assert.Equal((AccountState.Recovery, 1), (stored.State, stored.BackupFailures));
    }

    [Fact]
    public async Task SubmitBackupCodes_NthFailedSubmission_SuperLocksOnDiskAndEndsEverySession()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);
        await harness.SignIn.SubmitBackupCodesAsync(challenge, harness.WrongCodes(2), Client, Ct);
        await harness.SignIn.SubmitBackupCodesAsync(challenge, harness.WrongCodes(2), Client, Ct);

        var third = await harness.SignIn.SubmitBackupCodesAsync(challenge, harness.WrongCodes(2), Client, Ct);

        Assert.Equal(new SecondFactorResult.SuperLocked("alice", ApplianceWide: false), third);
        Assert.Contains(alice.Id, harness.EndedSessions);
        harness.Reopen();
        Assert.Equal(AccountState.SuperLocked, harness.Stored(alice).State);
        // Even the right codes are no longer judged.
        Assert.IsType<PasswordStepResult.SuperLocked>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, Client, Ct));
    }

    [Fact]
    public async Task SubmitPassword_AccountAwaitingEnrolment_AsksForTheEnrolmentCodeBeforeAnySecret()
    {
        using var harness = new CoreHarness(Policy);
        harness.CreateAccountAwaitingEnrolment("erin");

        var result = await harness.SignIn.SubmitPasswordAsync("erin", TestPasswords.Default, Client, Ct);

        Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(result);
    }

    [Fact]
    public async Task SubmitEnrolmentCode_Right_SignsInToEnrolAndIsUsedUpOnDisk()
    {
        using var harness = new CoreHarness(Policy);
        var (id, code) = harness.CreateAccountAwaitingEnrolment("erin");

        var result = await harness.SignIn.SubmitEnrolmentCodeAsync(await EnrolmentChallengeAsync(harness), code, Client, Ct);

        Assert.True(Assert.IsType<SecondFactorResult.SignedIn>(result).MustEnrol);
        harness.Reopen();
        Assert.False(harness.Store.FindById(id)!.EnrolmentCode.IsIssued);
        Assert.Equal(new SecondFactorResult.EnrolmentCodeUnavailable(Expired: false, "nasdash console unlock erin"),
            await harness.SignIn.SubmitEnrolmentCodeAsync(await EnrolmentChallengeAsync(harness), code, Client, Ct));
    }

    [Fact]
    public async Task SubmitEnrolmentCode_Wrong_IsCountedAsAFailedSubmissionOnDiskBeforeTheVerdict()
    {
        using var harness = new CoreHarness(Policy);
        var (id, _) = harness.CreateAccountAwaitingEnrolment("erin");

        var result = await harness.SignIn.SubmitEnrolmentCodeAsync(await EnrolmentChallengeAsync(harness), harness.WrongCodes(1)[0], Client, Ct);

        Assert.Equal(new SecondFactorResult.InvalidEnrolmentCode(2), result);
        harness.Reopen();
        Assert.Equal(1, harness.Store.FindById(id)!.BackupFailures);
        Assert.Single(harness.AuditOf("erin", AuditNames.LoginEnrolmentCode.Id), e => e.Outcome == "failed");
    }

    private static (int Password, int Totp, int Backup) Counters(Account account) =>
        (account.PasswordFailures, account.TotpFailures, account.BackupFailures);

    private static async Task<string> EnrolmentChallengeAsync(CoreHarness harness) =>
        Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(await harness.SignIn.SubmitPasswordAsync("erin", TestPasswords.Default, Client, Ct)).ChallengeId;
}
