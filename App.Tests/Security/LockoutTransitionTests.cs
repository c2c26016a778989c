using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// Every transition of the lockout state machine (DESIGN.md), driven through <see cref="SignInService"/> on a real store:
/// each row brings an account into a state with real submissions, makes one more, and checks the verdict, the stored
/// state and counters, and the lockout events published by that last step.
/// </summary>
public class LockoutTransitionTests
{
    // T = 3 TOTP failures before Recovery, N = 3 failed submissions before SuperLocked, M = 2 codes of 5.
    private static readonly TwoFactorSettings Policy = new()
    {
        TotpFailuresBeforeRecovery = 3,
        MaxFailedBackupSubmissions = 3,
        RequiredCodesAtRecovery = 2,
        CodesPerUser = 5,
        TotpWindow = 1,
    };

    private static readonly LockoutEventKind[] None = [];

    private sealed record Row(
        Func<Attempts, Task> Arrange,
        Func<Attempts, Task<object>> Act,
        string Verdict,
        LockoutStatus State,
        (int Password, int Totp, int Backup) Counters,
        LockoutEventKind[] Events,
        Func<Attempts, object, Task>? Also = null);

    private static readonly Dictionary<string, Row> Rows = new(StringComparer.Ordinal)
    {
        ["Normal: wrong password is counted, second-factor counters untouched"] = new(
            _ => Task.CompletedTask, a => a.Password(correct: false),
            "InvalidCredentials", LockoutStatus.Normal, (1, 0, 0), None),
        ["Normal: fifth wrong password throttles for 30 s"] = new(
            a => a.FailPasswords(4), a => a.Password(correct: false),
            "Throttled", LockoutStatus.Throttled, (5, 0, 0), None,
            (a, r) => Check(() => Assert.Equal(a.H.Time.GetUtcNow() + TimeSpan.FromSeconds(30), ((PasswordStepResult.Throttled)r).Until))),
        ["Throttled: correct password is refused without being evaluated"] = new(
            a => a.FailPasswords(5), a => a.Password(correct: true),
            "Throttled", LockoutStatus.Throttled, (5, 0, 0), None),
        ["Throttled: wrong password is refused without being counted"] = new(
            a => a.FailPasswords(5), a => a.Password(correct: false),
            "Throttled", LockoutStatus.Throttled, (5, 0, 0), None),
        ["Throttled: once the delay passed, correct password clears the password counter"] = new(
            async a =>
            {
                await a.FailPasswords(5);
                a.H.Time.Advance(TimeSpan.FromSeconds(30));
            },
            a => a.Password(correct: true),
            "SecondFactorRequired", LockoutStatus.Normal, (0, 0, 0), None),
        ["Normal: correct password asks for TOTP"] = new(
            _ => Task.CompletedTask, a => a.Password(correct: true),
            "SecondFactorRequired", LockoutStatus.Normal, (0, 0, 0), None,
            (_, r) => Check(() => Assert.Equal(new PasswordStepResult.SecondFactorRequired(((PasswordStepResult.SecondFactorRequired)r).ChallengeId, SecondFactorMethod.Totp, 2, InRecovery: false), r))),
        ["Normal: wrong TOTP is counted"] = new(
            _ => Task.CompletedTask, a => a.WrongTotp(),
            "InvalidTotp", LockoutStatus.Normal, (0, 1, 0), None,
            (_, r) => Check(() => Assert.Equal(new SecondFactorResult.InvalidTotp(2, Replayed: false), r))),
        ["Normal: correct password after failed TOTP does not reset the TOTP count"] = new(
            async a =>
            {
                await a.FailTotp(2);
                a.Challenge = null;
            },
            a => a.Password(correct: true),
            "SecondFactorRequired", LockoutStatus.Normal, (0, 2, 0), None),
        ["Normal: wrong password after failed TOTP keeps the TOTP count"] = new(
            a => a.FailTotp(2), a => a.Password(correct: false),
            "InvalidCredentials", LockoutStatus.Normal, (1, 2, 0), None),
        ["Normal: correct TOTP signs in and clears the TOTP count"] = new(
            a => a.FailTotp(2), a => a.CorrectTotp(),
            "SignedIn", LockoutStatus.Normal, (0, 0, 0), None,
            (a, r) => Check(() =>
            {
                Assert.False(((SecondFactorResult.SignedIn)r).MustEnrol);
                Assert.Equal(a.H.Time.GetUtcNow().ToUnixTimeSeconds() / 30, a.Stored.SecondFactor.LastTotpStep);
            })),
        ["Normal: a code already accepted is refused as replayed and counted"] = new(
            async a =>
            {
                a.LastCode = a.H.NextCode(a.Account);
                Assert.IsType<SecondFactorResult.SignedIn>(await a.Totp(a.LastCode));
                a.Challenge = null;
            },
            a => a.Totp(a.LastCode!),
            "InvalidTotp", LockoutStatus.Normal, (0, 1, 0), None,
            (_, r) => Check(() => Assert.True(((SecondFactorResult.InvalidTotp)r).Replayed))),
        ["Normal: malformed TOTP is not counted"] = new(
            _ => Task.CompletedTask, a => a.Totp("12345"),
            "Malformed", LockoutStatus.Normal, (0, 0, 0), None),
        ["Normal: T-th wrong TOTP moves to Recovery"] = new(
            a => a.FailTotp(2), a => a.WrongTotp(),
            "MovedToRecovery", LockoutStatus.Recovery, (0, 3, 0), [LockoutEventKind.MovedToRecovery]),
        ["Recovery: correct password asks for backup codes only"] = new(
            async a =>
            {
                await a.FailTotp(3);
                a.Challenge = null;
            },
            a => a.Password(correct: true),
            "SecondFactorRequired", LockoutStatus.Recovery, (0, 3, 0), None,
            (_, r) => Check(() => Assert.Equal(new PasswordStepResult.SecondFactorRequired(((PasswordStepResult.SecondFactorRequired)r).ChallengeId, SecondFactorMethod.BackupCodes, 2, InRecovery: true), r))),
        ["Recovery: even a correct TOTP is refused, not counted, not consumed"] = new(
            a => a.FailTotp(3), a => a.CorrectTotp(),
            "RecoveryRequired", LockoutStatus.Recovery, (0, 3, 0), None,
            (a, _) => Check(() => Assert.True(a.Stored.SecondFactor.LastTotpStep < a.H.Time.GetUtcNow().ToUnixTimeSeconds() / 30))),
        ["Recovery: wrong passwords throttle like on any account"] = new(
            async a =>
            {
                await a.FailTotp(3);
                await a.FailPasswords(5);
            },
            a => a.Password(correct: true),
            "Throttled", LockoutStatus.Recovery, (5, 3, 0), None),
        ["Normal: choosing backup codes with a wrong pair starts a recovery and is counted"] = new(
            _ => Task.CompletedTask, a => a.Codes(a.H.WrongCodes(2)),
            "InvalidBackupCodes", LockoutStatus.Recovery, (0, 0, 1), [LockoutEventKind.RecoveryStarted],
            (_, r) => Check(() => Assert.Equal(2, ((SecondFactorResult.InvalidBackupCodes)r).SubmissionsLeft))),
        ["Normal: malformed backup-code submission is not counted and starts nothing"] = new(
            _ => Task.CompletedTask, a => a.Codes(a.Account.Codes(1)),
            "Malformed", LockoutStatus.Normal, (0, 0, 0), None),
        ["Normal: M correct codes sign in, revoke TOTP and the batch, and require enrolment"] = new(
            a => Check(a.RememberStamp), a => a.Codes(a.Account.Codes(2)),
            "SignedIn", LockoutStatus.Normal, (0, 0, 0), [LockoutEventKind.RecoveryStarted],
            (a, r) => Check(() => AssertRecovered(a, r))),
        ["Recovery: wrong codes are counted without a second recovery event"] = new(
            a => a.FailCodes(1), a => a.Codes(a.H.WrongCodes(2)),
            "InvalidBackupCodes", LockoutStatus.Recovery, (0, 0, 2), None,
            (_, r) => Check(() => Assert.Equal(1, ((SecondFactorResult.InvalidBackupCodes)r).SubmissionsLeft))),
        ["Recovery: one right and one wrong code fail as a whole and consume nothing"] = new(
            a => a.FailCodes(1), a => a.Codes([a.Account.BackupCodes[0], a.H.WrongCodes(1)[0]]),
            "InvalidBackupCodes", LockoutStatus.Recovery, (0, 0, 2), None,
            async (a, _) =>
            {
                Assert.Equal(5, a.Stored.SecondFactor.BackupCodesInSet);
                Assert.IsType<SecondFactorResult.SignedIn>(await a.Codes(a.Account.Codes(2)));
            }),
        ["Recovery: correct password does not reset backup failures"] = new(
            async a =>
            {
                await a.FailCodes(2);
                a.Challenge = null;
            },
            a => a.Password(correct: true),
            "SecondFactorRequired", LockoutStatus.Recovery, (0, 0, 2), None),
        ["Recovery: N-th failed submission super-locks, rotates the stamp, ends sessions"] = new(
            async a =>
            {
                await a.FailCodes(2);
                a.RememberStamp();
            },
            a => a.Codes(a.H.WrongCodes(2)),
            "SuperLocked", LockoutStatus.SuperLocked, (0, 0, 3), [LockoutEventKind.SuperLocked],
            (a, r) => Check(() =>
            {
                Assert.Equal(new SecondFactorResult.SuperLocked(a.Account.UserName, ApplianceWide: false), r);
                Assert.NotEqual(a.Stamp, a.Stored.SecurityStamp);
                Assert.Contains(a.Account.Id, a.H.EndedSessions);
            })),
        ["Recovery: M correct codes recover and clear every second-factor counter"] = new(
            async a =>
            {
                await a.FailTotp(3);
                await a.FailCodes(2);
                a.RememberStamp();
            },
            a => a.Codes(a.Account.Codes(2)),
            "SignedIn", LockoutStatus.Normal, (0, 0, 0), None,
            (a, r) => Check(() => AssertRecovered(a, r))),
        ["SuperLocked: correct password is answered super-locked"] = new(
            async a =>
            {
                await a.FailCodes(3);
                a.Challenge = null;
            },
            a => a.Password(correct: true),
            "SuperLocked", LockoutStatus.SuperLocked, (0, 0, 3), None),
        ["SuperLocked: correct codes are refused as super-locked without being evaluated"] = new(
            a => a.FailCodes(3), a => a.Codes(a.Account.Codes(2)),
            "SuperLocked", LockoutStatus.SuperLocked, (0, 0, 3), None,
            (a, _) => Check(() =>
            {
                Assert.Equal(3, a.H.AuditOf(a.Account.UserName, "login.backup-codes").Count);
                Assert.Equal(5, a.Stored.SecondFactor.BackupCodesInSet);
            })),
        ["SuperLocked: correct TOTP is refused as super-locked"] = new(
            a => a.FailCodes(3), a => a.CorrectTotp(),
            "SuperLocked", LockoutStatus.SuperLocked, (0, 0, 3), None),
        ["SuperLocked: wrong passwords throttle like on any account"] = new(
            async a =>
            {
                await a.FailCodes(3);
                await a.FailPasswords(5);
            },
            a => a.Password(correct: true),
            "Throttled", LockoutStatus.SuperLocked, (5, 0, 3), None),
        ["SuperLocked: console unlock lifts it and resets the second factor"] = new(
            async a =>
            {
                await a.FailCodes(3);
                a.Challenge = null;
            },
            async a =>
            {
                var account = a.Stored;
                account.UnlockAtConsole(a.H.Time.GetUtcNow());
                a.H.Store.SaveSetUp(account);
                return await a.Password(correct: true);
            },
            "EnrolmentCodeRequired", LockoutStatus.Normal, (0, 0, 0), None,
            (a, _) => Check(() =>
            {
                Assert.Null(a.Stored.SecondFactor.ProtectedTotpSecret);
                Assert.Null(a.Stored.SecondFactor.BackupCodes);
                Assert.True(a.Stored.MustEnrol);
            })),
        ["Appliance scope: a super-lockout refuses every account's sign-in"] = new(
            async a =>
            {
                a.H.Policy = Policy with { SuperLockScope = SuperLockScope.Appliance };
                a.Other = a.H.CreateEnrolledAccount("bob");
                await a.FailCodes(3);
            },
            async a => await a.H.SignIn.SubmitPasswordAsync(a.Other!.UserName, a.Other.Password, null),
            "SuperLocked", LockoutStatus.SuperLocked, (0, 0, 3), None,
            (a, r) => Check(() =>
            {
                // The notice names the account whose super-lockout locked the appliance: that is whom the console unlocks.
                Assert.Equal(new PasswordStepResult.SuperLocked("alice", ApplianceWide: true), r);
                Assert.Equal("alice", a.H.Store.Get().ApplianceLockedBy);
            })),
        ["Recovered: an enrolment left unfinished is not reopened by the password alone"] = new(
            async a =>
            {
                Assert.IsType<SecondFactorResult.SignedIn>(await a.Codes(a.Account.Codes(2)));
                a.Challenge = null;
            },
            a => a.Password(correct: true),
            "EnrolmentCodeRequired", LockoutStatus.Normal, (0, 0, 0), None,
            async (a, r) => Assert.Equal(
                new SecondFactorResult.EnrolmentCodeUnavailable(Expired: false, "nasdash console unlock alice"),
                await a.H.SignIn.SubmitEnrolmentCodeAsync(((PasswordStepResult.EnrolmentCodeRequired)r).ChallengeId, a.H.WrongCodes(1)[0], null))),
        ["Re-enrolled: codes of the replaced batch are dead, the new batch works"] = new(
            async a =>
            {
                a.Other = await a.H.ReEnrolAsync(a.Account);
                a.Challenge = null;
            },
            a => a.Codes(a.Account.Codes(2)),
            "InvalidBackupCodes", LockoutStatus.Recovery, (0, 0, 1), [LockoutEventKind.RecoveryStarted],
            async (a, _) => Assert.IsType<SecondFactorResult.SignedIn>(await a.Codes(a.Other!.Codes(2)))),
        ["Step-up: a wrong code is a TOTP failure; the T-th moves to Recovery"] = new(
            a => a.FailTotp(2),
            async a => await a.H.StepUp.VerifyAsync(a.Account.Id, a.H.WrongCode(a.Account), StepUpPurpose.EnableSsh, null),
            "Wrong", LockoutStatus.Recovery, (0, 3, 0), [LockoutEventKind.MovedToRecovery]),
    };

    public static TheoryData<string> RowNames => new(Rows.Keys);

    [Theory]
    [MemberData(nameof(RowNames))]
    public async Task Transition_FromStateOnSubmission_GivesVerdictStateCountersAndEvents(string row)
    {
        var spec = Rows[row];
        using var harness = new CoreHarness(Policy);
        var attempts = new Attempts(harness, harness.CreateEnrolledAccount("alice"));
        await spec.Arrange(attempts);
        harness.Lockouts.Clear();

        var verdict = await spec.Act(attempts);

        var stored = attempts.Stored;
        Assert.Equal(spec.Verdict, verdict is Enum e ? e.ToString() : verdict.GetType().Name);
        Assert.Equal(spec.State, stored.LockoutStatusAt(harness.Time.GetUtcNow()));
        Assert.Equal(spec.Counters, (stored.PasswordFailures, stored.TotpFailures, stored.BackupFailures));
        Assert.Equal(spec.Events, harness.Lockouts.Kinds);
        if (spec.Also is not null)
        {
            await spec.Also(attempts, verdict);
        }
    }

    [Fact]
    public void Rows_CoverEveryStateAsStartAndEnd()
    {
        var starts = Rows.Keys.Select(k => k[..k.IndexOf(':', StringComparison.Ordinal)]).ToHashSet();
        var ends = Rows.Values.Select(r => r.State).ToHashSet();

        Assert.Superset(new HashSet<string> { "Normal", "Throttled", "Recovery", "SuperLocked" }, starts);
        Assert.Equal(Enum.GetValues<LockoutStatus>().ToHashSet(), ends);
    }

    private static void AssertRecovered(Attempts a, object verdict)
    {
        var stored = a.Stored;
        Assert.True(((SecondFactorResult.SignedIn)verdict).MustEnrol);
        Assert.Null(stored.SecondFactor.ProtectedTotpSecret);
        Assert.Null(stored.SecondFactor.BackupCodes);
        Assert.True(stored.MustEnrol);
        Assert.NotEqual(a.Stamp, stored.SecurityStamp);
        Assert.Contains(a.Account.Id, a.H.EndedSessions);
    }

    private static Task Check(Action assertions)
    {
        assertions();
        return Task.CompletedTask;
    }

    /// <summary>One user's submissions, keeping the challenge of the last password step as a browser would.</summary>
    private sealed class Attempts(CoreHarness harness, EnrolledAccount account)
    {
        public CoreHarness H { get; } = harness;
        public EnrolledAccount Account { get; } = account;
        public EnrolledAccount? Other { get; set; }
        public string? Challenge { get; set; }
        public string? LastCode { get; set; }
        public string? Stamp { get; private set; }
        public Account Stored => H.Stored(Account);

        public void RememberStamp() => Stamp = Stored.SecurityStamp;

        public async Task<object> Password(bool correct)
        {
            var result = await H.SignIn.SubmitPasswordAsync(Account.UserName, correct ? Account.Password : "not the password", "192.0.2.7");
            if (result is PasswordStepResult.SecondFactorRequired required)
            {
                Challenge = required.ChallengeId;
            }

            return result;
        }

        public async Task<object> Totp(string code) => await H.SignIn.SubmitTotpAsync(await EnsureChallenge(), code, "192.0.2.7");

        public Task<object> CorrectTotp() => Totp(H.NextCode(Account));

        public Task<object> WrongTotp() => Totp(H.WrongCode(Account));

        public async Task<object> Codes(IReadOnlyList<string?> codes) => await H.SignIn.SubmitBackupCodesAsync(await EnsureChallenge(), codes, "192.0.2.7");

        public async Task FailPasswords(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.IsNotType<PasswordStepResult.SecondFactorRequired>(await Password(correct: false));
            }
        }

        public async Task FailTotp(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.IsNotType<SecondFactorResult.SignedIn>(await WrongTotp());
            }
        }

        public async Task FailCodes(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.IsNotType<SecondFactorResult.SignedIn>(await Codes(H.WrongCodes(2)));
            }
        }

        private async Task<string> EnsureChallenge()
        {
            if (Challenge is null)
            {
                Assert.IsType<PasswordStepResult.SecondFactorRequired>(await Password(correct: true));
            }

            return Challenge!;
        }
    }
}
