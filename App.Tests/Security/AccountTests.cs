using NasDash.Features.GlobalTwoFactor;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>The aggregate's guards, and its queries against its own transitions and the settings preview.</summary>
public class AccountTests
{
    private static readonly DateTimeOffset Now = CoreHarness.Start;
    private static readonly TwoFactorSettings Defaults = TwoFactorSettings.Defaults;

    private static Account Enrolled(string name = "alice") =>
        Account.CreateEnrolled(name, "hash", Now, "protected", 100, new BackupCodes(TimeProvider.System, iterations: 10).Generate(10).Stored);

    public static TheoryData<string> IllegalMoves() => [.. IllegalMoveCases.Keys];

    private static readonly Dictionary<string, Action> IllegalMoveCases = new(StringComparer.Ordinal)
    {
        ["a TOTP failure in Recovery"] = () => Enrolled().StartRecovery(Now).TotpFailed(Defaults, Now, null),
        ["a TOTP code for a step already accepted"] = () => Enrolled().TotpAccepted(100, Now),
        ["a TOTP code without a secret"] = () => Account.Create("alice", "hash", Now).TotpAccepted(1, Now),
        ["a backup-code submission when super-locked"] = () => Enrolled().SuperLock(Now).BackupSubmissionFailed(Defaults, Now, null),
        ["a recovery when super-locked"] = () => Enrolled().SuperLock(Now).RecoverySucceeded(Now),
        ["a backup-code submission without codes"] = () => Account.Create("alice", "hash", Now).BackupSubmissionStarted(Now, null),
        ["an administrator's reset of a super-locked account"] = () => Enrolled().SuperLock(Now).ResetByAdministrator(Now),
        ["an enrolment of a super-locked account"] = () => Enrolled().SuperLock(Now).Enrolled("p", 1, new StoredBackupCodes()),
        ["a renewed authenticator in Recovery"] = () => Enrolled().StartRecovery(Now).AuthenticatorRenewed("p", 200),
        ["renewed backup codes without enrolment"] = () => Account.Create("alice", "hash", Now).BackupCodesRenewed(new StoredBackupCodes()),
        ["a forced password change of a super-locked account"] = () => Enrolled().SuperLock(Now).RequirePasswordChange(),
        ["a password-only sign-in while 2FA is required"] = () => Account.Create("alice", "hash", Now, mustEnrol: false).SignedInWithPasswordOnly(Defaults, Now),
        ["a password-only sign-in of an enrolled account"] = () => Enrolled().SignedInWithPasswordOnly(Defaults with { EnforceForAdministrators = false }, Now),
    };

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public void Transition_IllegalMove_IsRefused(string move) =>
        Assert.Throws<InvalidOperationException>(IllegalMoveCases[move]);

    [Fact]
    public void Create_BlankNameOrHash_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Account.Create("  ", "hash", Now));
        Assert.Throws<ArgumentException>(() => Account.Create("alice", "", Now));
    }

    [Fact]
    public void ConsoleUnlock_SuperLocked_LiftsEverythingAndRequiresEnrolment()
    {
        var account = Enrolled().FailPasswords(7, Now).SuperLock(Now);
        var stamp = account.SecurityStamp;

        account.UnlockAtConsole(Now);

        Assert.Equal(LockoutStatus.Normal, account.LockoutStatusAt(Now));
        Assert.Equal((0, 0, 0), (account.PasswordFailures, account.TotpFailures, account.BackupFailures));
        Assert.False(account.SecondFactor.HasTotp);
        Assert.True(account.MustEnrol);
        Assert.NotEqual(stamp, account.SecurityStamp);
    }

    public static TheoryData<int, int, int> TotpRows()
    {
        var rows = new TheoryData<int, int, int>();
        foreach (var failures in new[] { 0, 1, 2, 3, 4 })
        {
            foreach (var before in new[] { 3, 5, 20 })
            {
                foreach (var after in new[] { 3, 4, 5, 20 })
                {
                    rows.Add(failures, before, after);
                }
            }
        }

        return rows;
    }

    /// <summary>The preview warns exactly when the proposed T makes the next wrong code move the account, and the sign-in agrees.</summary>
    [Theory]
    [MemberData(nameof(TotpRows))]
    public void Preview_NextWrongTotp_AgreesWithTheTransition(int failures, int before, int after)
    {
        var current = Defaults with { TotpFailuresBeforeRecovery = before };
        var proposed = Defaults with { TotpFailuresBeforeRecovery = after };
        var account = Enrolled();
        for (var i = 0; i < failures && account.State == AccountState.Normal; i++)
        {
            account.TotpFailed(current, Now, null);
        }

        var movesUnder = (TwoFactorSettings settings) => account.AcceptsTotp && account.Clone().TotpFailed(settings, Now, null) is not null;
        var expected = account.TotpFailures > 0 && movesUnder(proposed) && !movesUnder(current);

        var preview = TwoFactorSettingsService.Preview(current, proposed, [account], Now);

        Assert.Equal(expected, preview.Impacts.Any(i => i.UserName == "alice" && i.ToDo.Contains("move the account to Recovery", StringComparison.Ordinal)));
        if (account.AcceptsTotp)
        {
            Assert.Equal(account.TotpFailuresLeft(proposed) == 1, movesUnder(proposed));
        }
    }

    public static TheoryData<int, int, int> BackupRows()
    {
        var rows = new TheoryData<int, int, int>();
        foreach (var failures in new[] { 0, 1, 2, 5, 8, 9 })
        {
            foreach (var before in new[] { 3, 10 })
            {
                foreach (var after in new[] { 3, 4, 9, 10, 100 })
                {
                    rows.Add(failures, before, after);
                }
            }
        }

        return rows;
    }

    /// <summary>The preview warns exactly when the proposed N makes the next failed submission super-lock, and the sign-in agrees.</summary>
    [Theory]
    [MemberData(nameof(BackupRows))]
    public void Preview_NextFailedSubmission_AgreesWithTheTransition(int failures, int before, int after)
    {
        var current = Defaults with { MaxFailedBackupSubmissions = before };
        var proposed = Defaults with { MaxFailedBackupSubmissions = after };
        var account = Enrolled().StartRecovery(Now);
        for (var i = 0; i < failures && account.State == AccountState.Recovery; i++)
        {
            account.BackupSubmissionFailed(current, Now, null);
        }

        var locksUnder = (TwoFactorSettings settings) => account.AcceptsBackupCodes &&
            account.Clone().BackupSubmissionFailed(settings, Now, null) is { Kind: LockoutEventKind.SuperLocked };
        var expected = account.State == AccountState.Recovery && account.BackupFailures > 0 && locksUnder(proposed) && !locksUnder(current);

        var preview = TwoFactorSettingsService.Preview(current, proposed, [account], Now);

        Assert.Equal(expected, preview.Impacts.Any(i => i.UserName == "alice" && i.ToDo.Contains("super-lock the account", StringComparison.Ordinal)));
        if (account.AcceptsBackupCodes)
        {
            Assert.Equal(account.SubmissionsLeftBeforeSuperLockout(proposed) == 1, locksUnder(proposed));
        }
    }

    public static TheoryData<string> SignInRows() => [.. SignInCases.Keys];

    private static readonly Dictionary<string, (Func<CoreHarness, Guid> Arrange, SignInGate Gate, Type Verdict)> SignInCases = new(StringComparer.Ordinal)
    {
        ["enrolled, Normal"] = (h => h.CreateEnrolledAccount("alice").Id, SignInGate.Totp, typeof(PasswordStepResult.SecondFactorRequired)),
        ["enrolled, Recovery"] = (h => Arranged(h, h.CreateEnrolledAccount("alice").Id, a => a.StartRecovery(Now)), SignInGate.BackupCodes, typeof(PasswordStepResult.SecondFactorRequired)),
        ["enrolled, SuperLocked"] = (h => Arranged(h, h.CreateEnrolledAccount("alice").Id, a => a.SuperLock(Now)), SignInGate.SuperLocked, typeof(PasswordStepResult.SuperLocked)),
        ["reset or new, waiting for its enrolment code"] = (h => h.CreateAccountAwaitingEnrolment("alice").Id, SignInGate.EnrolmentCode, typeof(PasswordStepResult.EnrolmentCodeRequired)),
        ["not enrolled, 2FA required"] = (h => h.CreateAccount("alice", mustEnrol: false), SignInGate.MustEnrol, typeof(PasswordStepResult.EnrolmentRequired)),
    };

    /// <summary>What the preview and the users page are told a correct password leads to is what sign-in does.</summary>
    [Theory]
    [MemberData(nameof(SignInRows))]
    public async Task AfterPassword_EveryState_IsWhatSignInDoes(string row)
    {
        using var harness = new CoreHarness();
        var (arrange, gate, verdict) = SignInCases[row];
        var id = arrange(harness);

        var predicted = harness.Store.FindById(id)!.AfterPassword(Defaults, applianceLocked: false);
        var result = await harness.SignIn.SubmitPasswordAsync("alice", TestPasswords.Default, null, TestContext.Current.CancellationToken);

        Assert.Equal(gate, predicted);
        Assert.IsType(verdict, result);
        if (result is PasswordStepResult.SecondFactorRequired second)
        {
            Assert.Equal(gate == SignInGate.BackupCodes ? SecondFactorMethod.BackupCodes : SecondFactorMethod.Totp, second.Method);
        }
    }

    [Fact]
    public async Task AfterPassword_NotEnrolledAndNotRequired_SignsInWithThePassword()
    {
        using var harness = new CoreHarness(Defaults with { EnforceForAdministrators = false });
        var id = harness.CreateAccount("alice", mustEnrol: false);

        var predicted = harness.Store.FindById(id)!.AfterPassword(harness.Store.Get().TwoFactor, applianceLocked: false);
        var result = await harness.SignIn.SubmitPasswordAsync("alice", TestPasswords.Default, null, TestContext.Current.CancellationToken);

        Assert.Equal(SignInGate.PasswordOnly, predicted);
        Assert.IsType<PasswordStepResult.SignedIn>(result);
    }

    private static Guid Arranged(CoreHarness harness, Guid id, Action<Account> change)
    {
        var account = harness.Store.FindById(id)!;
        change(account);
        harness.Store.Update(account);
        return id;
    }
}
