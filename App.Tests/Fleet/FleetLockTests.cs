using NasDash.Fleet;
using NasDash.Security.Ledger;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>The fleet's account locks on a real etcd cluster: one holder across appliances, every lock on the appliance's kept-alive lease.</summary>
public sealed class FleetLockTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task LockHeldOnApplianceA_ApplianceBWaits_UntilAGivesItBack()
    {
        var options = fixture.Cluster.Options();
        using var a = new Appliance(options);
        using var b = new Appliance(options);
        var held = await a.Locks.AcquireAsync("alice", TestContext.Current.CancellationToken);

        var waiting = b.Locks.AcquireAsync("alice", TestContext.Current.CancellationToken);
        Assert.False(await Completes(waiting, Blocked));

        held.Dispose();
        using var taken = await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task OneApplianceTakesTheSameLockAgainRightAfterGivingItBack_AnotherApplianceIsStillShutOut()
    {
        // Every lock of an appliance hangs on its one lease, and etcd lets a lease enter a lock it holds: this process's
        // next holder must wait until the fleet's lock is really given back, or B could get in beside it.
        var options = fixture.Cluster.Options();
        using var a = new Appliance(options);
        using var b = new Appliance(options);
        for (var round = 0; round < 5; round++)
        {
            var first = await a.Locks.AcquireAsync("alice", TestContext.Current.CancellationToken);
            first.Dispose();
            using var again = await a.Locks.AcquireAsync("alice", TestContext.Current.CancellationToken);

            var fromB = b.Locks.AcquireAsync("alice", TestContext.Current.CancellationToken);
            Assert.False(await Completes(fromB, Blocked), $"round {round}: B took the lock A holds");
            again.Dispose();
            (await fromB.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Dispose();
        }
    }

    [Fact]
    public async Task DifferentAccounts_DoNotWaitForEachOther()
    {
        var options = fixture.Cluster.Options();
        using var a = new Appliance(options);
        using var b = new Appliance(options);
        using var alice = await a.Locks.AcquireAsync("alice", TestContext.Current.CancellationToken);

        using var bob = await b.Locks.AcquireAsync("bob", TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    private static async Task<bool> Completes(Task task, TimeSpan within) =>
        await Task.WhenAny(task, Task.Delay(within, TestContext.Current.CancellationToken)) == task;

    private sealed class Appliance : IDisposable
    {
        private readonly dotnet_etcd.EtcdClient _client;
        private readonly EtcdFleetLocks _fleet;

        public Appliance(EtcdFleetOptions options)
        {
            _client = EtcdConnection.Open(options);
            _fleet = new EtcdFleetLocks(_client, options, new FleetReachability(options));
            Locks = new AccountLocks(_fleet);
        }

        public AccountLocks Locks { get; }

        public void Dispose()
        {
            _fleet.Dispose();
            _client.Dispose();
        }
    }
}
