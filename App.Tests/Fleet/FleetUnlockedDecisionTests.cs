using Etcdserverpb;
using Google.Protobuf;
using NasDash.Fleet;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// A second-factor decision on a fleet is first made without the fleet's lock, its commit conditioned on the account's
/// revision and on no appliance holding or awaiting the account's lock (<see cref="AccountLocks.DecideAsync{T}"/>).
/// Uncontended, that is one etcd write; contended, it waits its turn and decides again from a fresh read.
/// </summary>
public sealed class FleetUnlockedDecisionTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task UncontendedTotpDecision_IsOneEtcdWrite_NoLockTakenOrGivenBack()
    {
        var options = fixture.Cluster.Options();
        using var fleet = new TestFleet(fixture.Cluster, 1, fleet: options);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        var challenge = await fleet[0].ChallengeAsync(alice);
        using var client = EtcdConnection.Open(options);
        // The password step's own lock is given back after its verdict: count from when it is gone.
        await FleetTesting.UntilAsync(() => LocksHeld(client, options) == 0, TimeSpan.FromSeconds(10));
        var before = Revision(client);

        var result = await fleet[0].SignIn.SubmitTotpAsync(challenge, fleet[0].WrongCode(alice), "192.0.2.1", TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.InvalidTotp>(result);
        // Taking and giving back the fleet's lock would be two more writes (its key put, then deleted).
        Assert.Equal(1, Revision(client) - before);
        Assert.Equal(1, fleet[0].Stored(alice).TotpFailures);
    }

    [Fact]
    public async Task AnotherApplianceHoldsTheAccountsLock_TheDecisionWaitsForIt_ThenDecidesOnWhatThatApplianceWrote()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        var (held, deciding) = await OnAWhileBHoldsTheLockAsync(fleet, alice,
            challenge => fleet[0].SignIn.SubmitTotpAsync(challenge, fleet[0].WrongCode(alice), "192.0.2.1", TestContext.Current.CancellationToken));
        var overtaken = await Task.WhenAny(deciding, Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken)) == deciding;
        // The holder writes the account under its lock: the waiting decision must rest on that write, not on its first read.
        fleet[1].Accounts.Update(fleet[1].Stored(alice));
        held.Dispose();
        var result = await deciding.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.False(overtaken, $"decided ({result}) while another appliance held the account's lock");
        Assert.IsType<SecondFactorResult.InvalidTotp>(result);
        Assert.Equal(1, fleet[1].Stored(alice).TotpFailures);
        Assert.Single(fleet[1].AuditOf("alice", "login.totp"), e => e.Outcome == "failed");
    }

    [Fact]
    public async Task RightBackupCodesWhileAnotherApplianceHoldsTheLock_SignedInOnItsTurn_TheChallengeNotSpentByTheRefusedTry()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2);
        var alice = fleet[0].CreateEnrolledAccount("alice");

        // The first try is refused at its commit; had it ended the challenge or issued its ticket before, the retry would
        // find the challenge gone.
        var (held, deciding) = await OnAWhileBHoldsTheLockAsync(fleet, alice,
            challenge => fleet[0].SignIn.SubmitBackupCodesAsync(challenge, [.. alice.BackupCodes.Take(2)], "192.0.2.1", TestContext.Current.CancellationToken));
        await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
        held.Dispose();
        var result = await deciding.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(result is SecondFactorResult.SignedIn { MustEnrol: true }, result.ToString());
        Assert.Single(fleet[1].AuditOf("alice", "login.backup-codes"), e => e.Outcome == "succeeded");
    }

    [Fact]
    public async Task TwentyWrongTotpCodesOnTwoAppliancesAtOnce_CountExactlyT_ThenRecovery()
    {
        // Not the default T: the decisions must judge by the fleet's settings.
        const int T = 4;
        using var fleet = new TestFleet(fixture.Cluster, 2, new TwoFactorSettings { TotpFailuresBeforeRecovery = T });
        var alice = fleet[0].CreateEnrolledAccount("alice");
        var wrong = fleet[0].WrongCode(alice);

        var results = await fleet.AllAtOnceAsync(alice, 20, (appliance, challenge) => appliance.SignIn.SubmitTotpAsync(challenge, wrong, "192.0.2.9"));

        Assert.Equal(T - 1, results.Count(r => r is SecondFactorResult.InvalidTotp));
        Assert.Single(results, r => r is SecondFactorResult.MovedToRecovery);
        Assert.Equal(20 - T, results.Count(r => r is SecondFactorResult.RecoveryRequired));
        Assert.Equal(T, fleet[1].Stored(alice).TotpFailures);
        Assert.Equal(T, fleet[1].AuditOf("alice", "login.totp").Count(e => e.Outcome == "failed"));
    }

    /// <summary>Passes the password step on appliance 0, has appliance 1 take the account's lock, then starts the submission on 0.</summary>
    private static async Task<(IDisposable Held, Task<SecondFactorResult> Deciding)> OnAWhileBHoldsTheLockAsync(TestFleet fleet, EnrolledAccount account,
        Func<string, Task<SecondFactorResult>> submit)
    {
        var challenge = await fleet[0].ChallengeAsync(account);
        var held = await fleet[1].Locks.AcquireAsync(Account.Normalize(account.UserName), TestContext.Current.CancellationToken);
        return (held, submit(challenge));
    }

    private static long LocksHeld(dotnet_etcd.EtcdClient client, EtcdFleetOptions options)
    {
        var locks = options.KeyPrefix + "locks/";
        return client.Get(new RangeRequest { Key = ByteString.CopyFromUtf8(locks), RangeEnd = FleetWatch.RangeEnd(locks), CountOnly = true },
            deadline: DateTime.UtcNow.AddSeconds(5)).Count;
    }

    private static long Revision(dotnet_etcd.EtcdClient client) =>
        client.Get(new RangeRequest { Key = ByteString.CopyFromUtf8("/"), CountOnly = true }, deadline: DateTime.UtcNow.AddSeconds(5)).Header.Revision;
}
