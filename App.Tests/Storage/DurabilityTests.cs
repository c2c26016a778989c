using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Storage;

/// <summary>A decision is durable once its verdict is returned: after a restart or a SIGKILL, no committed failure is lost.</summary>
public class DurabilityTests
{
    private static readonly TwoFactorSettings Policy = new()
    {
        TotpFailuresBeforeRecovery = 3,
        MaxFailedBackupSubmissions = 3,
        RequiredCodesAtRecovery = 2,
        CodesPerUser = 5,
    };

    [Fact]
    public async Task ChildProcessKilledMidRun_EveryFailureItReportedCommittedIsStored()
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider(CoreHarness.Start);
        var account = Account.Create("alice", "hash", DateTimeOffset.UtcNow);
        using (var store = new LiteDbStore(temp.Path, time))
        {
            store.TryInsert(account);
        }

        var reportedSoFar = 0;
        foreach (var killAfter in new[] { 3, 11, 7 })
        {
            int reported;
            using (var child = StoreChildProcess.Start("record-failures", temp.Path, account.Id.ToString()))
            {
                await child.WaitForLinesAsync(killAfter, TimeSpan.FromSeconds(60));
                child.Kill();
                reported = child.Lines.Select(line => int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture)).Max();
            }

            using var reopened = new LiteDbStore(temp.Path, time);
            var stored = reopened.FindById(account.Id)!;
            var details = reopened.Query(new AuditQuery(UserName: "alice", Take: 10_000)).Select(e => e.Detail).ToList();

            // Committed = printed after Update returned; at most the one write in flight may be there unreported.
            Assert.InRange(stored.PasswordFailures, reported, reported + 1);
            Assert.True(reported >= reportedSoFar + killAfter, $"the child reported {reported} after {reportedSoFar}");
            // The account and its audit entry are one transaction: neither survives without the other.
            Assert.Equal(Enumerable.Range(1, stored.PasswordFailures).Select(k => $"failures={k}"), details.AsEnumerable().Reverse());
            reportedSoFar = stored.PasswordFailures;
        }
    }

    [Fact]
    public async Task SignIn_StoreReopenedAfterEveryStep_NoCountLostUntilSuperLocked()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");
        var expected = (Password: 0, Totp: 0, Backup: 0, State: AccountState.Normal);

        async Task Step(Func<Task<object>> submit, Type verdict, (int, int, int, AccountState) after)
        {
            Assert.IsType(verdict, await submit());
            harness.Reopen();
            var stored = harness.Stored(alice);
            Assert.Equal(after, (stored.PasswordFailures, stored.TotpFailures, stored.BackupFailures, stored.State));
            expected = after;
        }

        // Challenges live in memory and die with the process, so every second-factor step signs in again first.
        await Step(async () => await harness.SignIn.SubmitPasswordAsync("alice", "wrong", null), typeof(PasswordStepResult.InvalidCredentials), (1, 0, 0, AccountState.Normal));
        await Step(async () => await harness.SignIn.SubmitPasswordAsync("alice", "wrong", null), typeof(PasswordStepResult.InvalidCredentials), (2, 0, 0, AccountState.Normal));
        for (var t = 1; t <= 3; t++)
        {
            var verdict = t < 3 ? typeof(SecondFactorResult.InvalidTotp) : typeof(SecondFactorResult.MovedToRecovery);
            await Step(async () => await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.WrongCode(alice), null),
                verdict, (0, t, 0, t < 3 ? AccountState.Normal : AccountState.Recovery));
        }

        for (var b = 1; b <= 3; b++)
        {
            var verdict = b < 3 ? typeof(SecondFactorResult.InvalidBackupCodes) : typeof(SecondFactorResult.SuperLocked);
            await Step(async () => await harness.SignIn.SubmitBackupCodesAsync(await harness.ChallengeAsync(alice), harness.WrongCodes(2), null),
                verdict, (0, 3, b, b < 3 ? AccountState.Recovery : AccountState.SuperLocked));
        }

        Assert.Equal((0, 3, 3, AccountState.SuperLocked), expected);
        Assert.IsType<PasswordStepResult.SuperLocked>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null, TestContext.Current.CancellationToken));
        Assert.Equal(3, harness.AuditOf("alice", "login.totp").Count);
        Assert.Equal(3, harness.AuditOf("alice", "login.backup-codes").Count);
    }

    [Fact]
    public async Task Totp_AcceptedThenRestart_SameCodeIsStillAReplay()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var code = harness.NextCode(alice);
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), code, null, TestContext.Current.CancellationToken));

        harness.Reopen();
        var again = await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), code, null, TestContext.Current.CancellationToken);

        Assert.Equal(new SecondFactorResult.InvalidTotp(TwoFactorSettings.Defaults.TotpFailuresBeforeRecovery - 1, Replayed: true), again);
    }

    [Fact]
    public async Task Recovery_SucceededThenRestart_UsedBatchStaysDead()
    {
        using var harness = new CoreHarness(Policy);
        var alice = harness.CreateEnrolledAccount("alice");
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.SignIn.SubmitBackupCodesAsync(await harness.ChallengeAsync(alice), alice.Codes(2), null, TestContext.Current.CancellationToken));

        harness.Reopen();
        var stored = harness.Stored(alice);

        Assert.Null(stored.SecondFactor.BackupCodes);
        Assert.Null(stored.SecondFactor.ProtectedTotpSecret);
        Assert.True(stored.MustEnrol);
        Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null, TestContext.Current.CancellationToken));
    }
}
