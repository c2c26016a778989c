using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// The races real products shipped: Keycloak CVE-2024-4629 (parallel attempts beat the lockout) and
/// Gitea CVE-2026-20779 (one code accepted twice in parallel). Every submission is released at once from a gate.
/// </summary>
public class SignInConcurrencyTests
{
    // Slow enough hashing that an unserialised check-then-act would interleave.
    private const int BackupCodeIterations = 2_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SubmitBackupCodes_SameValidCodesFiftyTimesInParallel_SucceedsExactlyOnce(bool oneChallengePerSubmission)
    {
        using var harness = new CoreHarness(new TwoFactorSettings { RequiredCodesAtRecovery = 2 }, backupCodeIterations: BackupCodeIterations);
        var alice = harness.CreateEnrolledAccount("alice");
        var challenges = await Challenges(harness, alice, oneChallengePerSubmission ? 50 : 1);

        var results = await InParallel(50, i => harness.SignIn.SubmitBackupCodesAsync(challenges[i % challenges.Count], alice.Codes(2), null));

        Assert.Single(results, r => r is SecondFactorResult.SignedIn);
        Assert.All(results, r => Assert.True(r is SecondFactorResult.SignedIn or SecondFactorResult.ChallengeExpired, r.ToString()));
        var stored = harness.Stored(alice);
        Assert.Equal(0, stored.BackupFailures);
        Assert.Null(stored.SecondFactor.BackupCodes);
        Assert.Single(harness.AuditOf("alice", "login.backup-codes"));
        Assert.Equal([LockoutEventKind.RecoveryStarted], harness.Lockouts.Kinds);
    }

    [Fact]
    public async Task SubmitTotp_SameCodeSixteenTimesInParallelFromSixteenSessions_SucceedsExactlyOnce()
    {
        using var harness = new CoreHarness(new TwoFactorSettings { TotpFailuresBeforeRecovery = 20 });
        var alice = harness.CreateEnrolledAccount("alice");
        var challenges = await Challenges(harness, alice, 16);
        var code = harness.NextCode(alice);

        var results = await InParallel(16, i => harness.SignIn.SubmitTotpAsync(challenges[i], code, null));

        Assert.Single(results, r => r is SecondFactorResult.SignedIn);
        Assert.Equal(15, results.Count(r => r is SecondFactorResult.InvalidTotp { Replayed: true }));
        Assert.Equal(15, harness.Stored(alice).TotpFailures);
        Assert.Equal(15, harness.AuditOf("alice", "login.totp").Count(e => e.Outcome == "replayed"));
    }

    [Fact]
    public async Task SubmitTotp_SameCodeSixteenTimesInParallelOnOneChallenge_SucceedsExactlyOnce()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);
        var code = harness.NextCode(alice);

        var results = await InParallel(16, _ => harness.SignIn.SubmitTotpAsync(challenge, code, null));

        Assert.Single(results, r => r is SecondFactorResult.SignedIn);
        Assert.Equal(15, results.Count(r => r is SecondFactorResult.ChallengeExpired));
        Assert.Equal(0, harness.Stored(alice).TotpFailures);
    }

    [Fact]
    public async Task SubmitBackupCodes_HundredWrongInParallel_CountsExactlyNThenRefusesAsSuperLockedUnevaluated()
    {
        const int N = 10;
        using var harness = new CoreHarness(new TwoFactorSettings { MaxFailedBackupSubmissions = N }, backupCodeIterations: BackupCodeIterations);
        var alice = harness.CreateEnrolledAccount("alice");
        var challenges = await Challenges(harness, alice, 100);
        var wrong = harness.WrongCodes(2);

        var results = await InParallel(100, i => harness.SignIn.SubmitBackupCodesAsync(challenges[i], wrong, null));

        var stored = harness.Stored(alice);
        Assert.Equal(AccountState.SuperLocked, stored.State);
        Assert.Equal(N, stored.BackupFailures);
        Assert.Equal(N - 1, results.Count(r => r is SecondFactorResult.InvalidBackupCodes));
        Assert.Equal(100 - N + 1, results.Count(r => r is SecondFactorResult.SuperLocked));
        // Evaluated submissions are exactly the audited ones: N, the last of them the super-lockout.
        var audited = harness.AuditOf("alice", "login.backup-codes").OrderBy(e => e.Id).ToList();
        Assert.Equal(Enumerable.Range(1, N).Select(k => $"failures={k}"), audited.Select(e => e.Detail));
        Assert.Equal("superlocked", audited[^1].Outcome);
        Assert.Equal([LockoutEventKind.RecoveryStarted, LockoutEventKind.SuperLocked], harness.Lockouts.Kinds);

        var later = await harness.SignIn.SubmitBackupCodesAsync(challenges[0], alice.Codes(2), null, TestContext.Current.CancellationToken);
        Assert.IsType<SecondFactorResult.SuperLocked>(later);
        Assert.Equal(N, harness.AuditOf("alice", "login.backup-codes").Count);
    }

    [Fact]
    public async Task SubmitTotp_HundredWrongInParallel_CountsExactlyTThenOnlyRecovery()
    {
        const int T = 5;
        using var harness = new CoreHarness(new TwoFactorSettings { TotpFailuresBeforeRecovery = T });
        var alice = harness.CreateEnrolledAccount("alice");
        var challenges = await Challenges(harness, alice, 100);
        var wrong = harness.WrongCode(alice);

        var results = await InParallel(100, i => harness.SignIn.SubmitTotpAsync(challenges[i], wrong, null));

        Assert.Equal(T - 1, results.Count(r => r is SecondFactorResult.InvalidTotp));
        Assert.Single(results, r => r is SecondFactorResult.MovedToRecovery);
        Assert.Equal(100 - T, results.Count(r => r is SecondFactorResult.RecoveryRequired));
        Assert.Equal(T, harness.Stored(alice).TotpFailures);
        Assert.Equal(T, harness.AuditOf("alice", "login.totp").Count);
        Assert.Equal([LockoutEventKind.MovedToRecovery], harness.Lockouts.Kinds);
    }

    [Fact]
    public async Task SubmitPassword_HundredWrongInParallel_CountsUntilThrottledThenRefusesUnevaluated()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        // From a hundred addresses, so that only the account's own throttle stands in the way.
        var results = await InParallel(100, i => harness.SignIn.SubmitPasswordAsync("alice", "not the password", $"198.51.100.{i}"));

        Assert.Equal(PasswordThrottle.FailuresBeforeThrottle, harness.Stored(alice).PasswordFailures);
        Assert.Equal(PasswordThrottle.FailuresBeforeThrottle - 1, results.Count(r => r is PasswordStepResult.InvalidCredentials));
        Assert.Equal(100 - PasswordThrottle.FailuresBeforeThrottle + 1, results.Count(r => r is PasswordStepResult.Throttled));
        Assert.Equal(PasswordThrottle.FailuresBeforeThrottle, harness.AuditOf("alice", "login.password").Count(e => e.Outcome == "failed"));
        // The refusals are counted in memory, with a single summary entry, not one durable write each.
        Assert.Equal(100 - PasswordThrottle.FailuresBeforeThrottle, harness.Get<RefusedSignIns>().InLastHour(alice.Id));
        Assert.Single(harness.AuditOf("alice", "login.refused"));
    }

    [Fact]
    public async Task SubmitPassword_ParallelWithInvisibleVariantsOfTheName_CannotBeatTheThrottle()
    {
        // "alice\0" or "alice" + soft hyphen must not reach alice's account under a lock of their own.
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        string[] invisible = ["\0", "\u00AD", "\u200B", "\u200D", "\uFEFF"];

        var results = await InParallel(100, i => harness.SignIn.SubmitPasswordAsync(
            i % 2 == 0 ? "alice" : "alice" + string.Concat(Enumerable.Repeat(invisible[i % invisible.Length], 1 + i / 10)),
            "not the password",
            $"198.51.100.{i}"));

        var evaluated = harness.AuditOf("alice", "login.password").Count(e => e.Outcome == "failed");
        Assert.Equal(PasswordThrottle.FailuresBeforeThrottle, harness.Stored(alice).PasswordFailures);
        Assert.Equal(PasswordThrottle.FailuresBeforeThrottle, evaluated);
        Assert.Equal(50 - PasswordThrottle.FailuresBeforeThrottle + 1, results.Count(r => r is PasswordStepResult.Throttled));
    }

    [Fact]
    public async Task SubmitPassword_CorrectAndWrongInterleavedInParallel_NeverResetsSecondFactorCounters()
    {
        // aspnet/Identity#1353: re-entering the right password must not buy more TOTP guesses, even concurrently.
        using var harness = new CoreHarness(new TwoFactorSettings { TotpFailuresBeforeRecovery = 20 });
        var alice = harness.CreateEnrolledAccount("alice");
        var challenges = await Challenges(harness, alice, 10);
        var wrong = harness.WrongCode(alice);

        await InParallel(20, async i => i % 2 == 0
            ? (object)await harness.SignIn.SubmitTotpAsync(challenges[i / 2], wrong, null)
            : await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null));

        Assert.Equal(10, harness.Stored(alice).TotpFailures);
    }

    [Fact]
    public async Task SubmitBackupCodes_SettingsSavedByAnotherWriterDuringTheSubmission_AreNotReverted()
    {
        // An appliance-scope super-lockout writes the settings document; SSH being shut off meanwhile must survive it.
        using var harness = new CoreHarness(new TwoFactorSettings { MaxFailedBackupSubmissions = 3, SuperLockScope = SuperLockScope.Appliance });
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);
        for (var i = 0; i < 2; i++)
        {
            await harness.SignIn.SubmitBackupCodesAsync(challenge, harness.WrongCodes(2), null, TestContext.Current.CancellationToken);
        }

        var settings = new WriterAfterFirstRead(harness.Store, other => other.Ssh.LoginDisabled = true);
        var ledger = new SecurityLedger(harness.Store, harness.Store, settings, harness.Store, harness.Store, harness.Get<IEnumerable<ILockoutEventHandler>>(), harness.Events);
        var signIn = new SignInService(harness.Store, settings, harness.Store, harness.Locks, harness.Passwords, new TotpSecondFactor(harness.Totp, harness.Secrets, harness.Time), harness.Pending, harness.Events, ledger, harness.Devices, harness.Get<AddressThrottle>(), harness.Get<RefusedSignIns>(), harness.BackupCodes, harness.Store, harness.Time);

        Assert.IsType<SecondFactorResult.SuperLocked>(await signIn.SubmitBackupCodesAsync(challenge, harness.WrongCodes(2), null, TestContext.Current.CancellationToken));

        var saved = harness.Store.Get();
        Assert.Equal("alice", saved.ApplianceLockedBy);
        Assert.True(saved.Ssh.LoginDisabled);
    }

    private static async Task<List<string>> Challenges(CoreHarness harness, EnrolledAccount account, int count)
    {
        var challenges = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            challenges.Add(await harness.ChallengeAsync(account));
        }

        return challenges;
    }

    /// <summary>Starts <paramref name="count"/> submissions on the thread pool and releases them together.</summary>
    private static async Task<T[]> InParallel<T>(int count, Func<int, Task<T>> submit)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await gate.Task;
            return await submit(i);
        })).ToArray();
        gate.SetResult();
        return await Task.WhenAll(running);
    }

    /// <summary>Settings where another writer saves a change right after the first read.</summary>
    private sealed class WriterAfterFirstRead(ISettingsStore inner, Action<ApplianceSettings> change) : ISettingsStore
    {
        private bool _written;

        public ApplianceSettings Get()
        {
            var read = inner.Get();
            if (!_written)
            {
                _written = true;
                var other = inner.Get();
                change(other);
                inner.Save(other);
            }

            return read;
        }

        public void Save(ApplianceSettings settings) => inner.Save(settings);

        public void Update(Action<ApplianceSettings> change) => inner.Update(change);
    }
}
