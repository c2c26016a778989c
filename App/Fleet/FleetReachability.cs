using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>How many of the configured etcd members answer right now: what a refusal for want of quorum tells the person.</summary>
public sealed class FleetReachability(EtcdFleetOptions options)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, EtcdClient> _members = new(StringComparer.Ordinal);

    /// <summary>The refusal of a decision the fleet could not commit: nothing was written, and the person is told why.</summary>
    public StoreUnavailableException CannotDecide(Exception cause) =>
        new(cause, $"This attempt could not be recorded: the fleet cannot decide now ({Describe()}). Nothing was counted.");

    public string Describe()
    {
        var endpoints = options.EndpointList;
        var reachable = endpoints.AsParallel().Count(Answers);
        return $"{reachable} of {endpoints.Count} members reachable";
    }

    private bool Answers(string endpoint)
    {
        try
        {
            Member(endpoint).Status(new StatusRequest(), deadline: DateTime.UtcNow + ProbeTimeout);
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private EtcdClient Member(string endpoint)
    {
        lock (_members)
        {
            if (!_members.TryGetValue(endpoint, out var client))
            {
                client = EtcdConnection.Open(new EtcdFleetOptions
                {
                    Endpoints = endpoint, CaCertificate = options.CaCertificate, ClientCertificate = options.ClientCertificate,
                    ClientKey = options.ClientKey, User = options.User, Password = options.Password,
                });
                _members.Add(endpoint, client);
            }

            return client;
        }
    }
}
