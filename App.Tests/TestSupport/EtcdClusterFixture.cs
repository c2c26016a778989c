using NasDash.Fleet;

namespace NasDash.Tests.TestSupport;

/// <summary>One <see cref="EtcdCluster"/> per test class, started by the first test that asks for a store (so a missing etcd skips or fails that test, not the class's construction).</summary>
public sealed class EtcdClusterFixture : IDisposable
{
    private readonly Lazy<EtcdCluster> _cluster = new(() => new EtcdCluster());

    public EtcdCluster Cluster => _cluster.Value;

    /// <summary>A store on the cluster under a prefix of its own: a fleet nobody else uses.</summary>
    public EtcdStore NewStore(TimeProvider time, EtcdFleetOptions? options = null)
    {
        options ??= Cluster.Options();
        return new EtcdStore(EtcdConnection.Open(options), options, time);
    }

    public void Dispose()
    {
        if (_cluster.IsValueCreated)
        {
            _cluster.Value.Dispose();
        }
    }
}
