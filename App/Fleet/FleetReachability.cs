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

    /// <summary>
    /// The refusal of a decision the fleet could not commit: nothing was written, and the person is told why. When the
    /// members refused this appliance itself (its TLS or its etcd user) rather than being down, the exception's message
    /// (the log, a refused start) says what to fix.
    /// </summary>
    public StoreUnavailableException CannotDecide(Exception cause) =>
        new(Misconfigured(cause) is { } fix ? new IOException($"{fix} ({cause.Message})", cause) : cause,
            $"This attempt could not be recorded: the fleet cannot decide now ({Describe()}). Nothing was counted.");

    /// <summary>What the operator must change when the failure is this appliance's TLS or etcd user, not a member down.</summary>
    private string? Misconfigured(Exception cause)
    {
        if (EtcdPermissions.Refusal(cause, options, "read or write") is { } refused)
        {
            return refused;
        }

        var chain = new List<Exception>();
        for (Exception? e = cause; e is not null; e = e.InnerException)
        {
            chain.Add(e);
        }

        var text = string.Join(" ", chain.Select(e => e.Message));
        if (options.CaCertificate is not { Length: > 0 })
        {
            return null;
        }

        if (text.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal))
        {
            return $"An etcd member's certificate is not signed by the fleet's authority {options.CaCertificate} (NasDash:Fleet:Etcd:CaCertificate), or does not name the address in NasDash:Fleet:Etcd:Endpoints";
        }

        if (options.ClientCertificate is not { Length: > 0 })
        {
            // What the failure looks like varies (a closed handshake, or a deadline while the channel retries): say it from the settings.
            return "This appliance presents no TLS client certificate (NasDash:Fleet:Etcd:ClientCertificate and NasDash:Fleet:Etcd:ClientKey are unset): " +
                   "etcd members started with --client-cert-auth close its connections";
        }

        var tls = chain.Any(e => e is System.Security.Authentication.AuthenticationException) ||
                  text.Contains("SslStream", StringComparison.Ordinal) || text.Contains("HTTP/2 handshake", StringComparison.Ordinal);
        if (!tls)
        {
            return null;
        }

        return $"The etcd members closed the TLS connection: the authority they trust (--trusted-ca-file) must have signed this appliance's client certificate {options.ClientCertificate} (NasDash:Fleet:Etcd:ClientCertificate)";
    }

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
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException)
        {
            // With etcd's authentication on, a refused token request surfaces as a cancellation, not an RpcException.
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
