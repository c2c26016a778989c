using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// Three NasDash servers on one fleet, as three appliances run it: each a real app on its own loopback port with its own
/// data directory, all with NasDash:Fleet:Etcd:* of one real 3-member etcd cluster, one prefix and the same key-ring key
/// file. Started by the first test that asks (so a missing etcd skips or fails that test), one set per test class;
/// tests keep to accounts of their own.
/// </summary>
public sealed class ThreeServers : IDisposable
{
    private readonly Lazy<(EtcdCluster Cluster, TempDirectory Shared, AppServer[] Servers)> _fleet = new(Start);

    /// <summary>Server 1, 2 or 3 (as the issue numbers them).</summary>
    public AppServer this[int number] => _fleet.Value.Servers[number - 1];

    public IReadOnlyList<AppServer> All => _fleet.Value.Servers;

    public void Dispose()
    {
        if (!_fleet.IsValueCreated)
        {
            return;
        }

        var (cluster, shared, servers) = _fleet.Value;
        foreach (var server in servers)
        {
            server.Dispose();
        }

        cluster.Dispose();
        shared.Dispose();
    }

    private static (EtcdCluster, TempDirectory, AppServer[]) Start()
    {
        var cluster = new EtcdCluster();
        var shared = new TempDirectory();
        var servers = new List<AppServer>();
        try
        {
            var settings = FleetNoticeTests.FleetSettings(cluster, shared);
            // One after another: the first makes the fleet's key-ring key file, the others find it.
            for (var i = 0; i < 3; i++)
            {
                servers.Add(new AppServer(settings));
            }

            return (cluster, shared, [.. servers]);
        }
        catch
        {
            servers.ForEach(s => s.Dispose());
            cluster.Dispose();
            shared.Dispose();
            throw;
        }
    }
}
