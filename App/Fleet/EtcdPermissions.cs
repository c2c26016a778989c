using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>
/// What NasDash needs of etcd's own authentication: a user whose role may read and write the fleet's prefix, nothing else
/// (etcd 3.4 asks no permission for leases, the lock service's own keys lie under the prefix, and member list and status
/// are open to every user). A refusal of this appliance's user is said as what the administrator must change.
/// </summary>
public static class EtcdPermissions
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// At start-up (server, or a console command that opens the store): one write and one read under the prefix. A user who
    /// may not do them is refused now in one line, not at the first sign-in; a fleet that does not answer is no reason to
    /// refuse, since decisions wait for its quorum anyway.
    /// </summary>
    /// <exception cref="StoreRefusedException">etcd refused this appliance's user.</exception>
    public static void Check(EtcdClient client, EtcdFleetOptions options)
    {
        var timeout = options.RequestTimeout < CheckTimeout ? options.RequestTimeout : CheckTimeout;
        var answered = Answered(options, "write", () => client.Put(new PutRequest
        {
            Key = ByteString.CopyFromUtf8(options.KeyPrefix + "health"), Value = ByteString.CopyFromUtf8(DateTimeOffset.UtcNow.ToString("O")),
        }, deadline: DateTime.UtcNow + timeout));
        if (answered)
        {
            Answered(options, "read", () => client.Get(new RangeRequest
            {
                Key = ByteString.CopyFromUtf8(options.KeyPrefix), RangeEnd = FleetWatch.RangeEnd(options.KeyPrefix), CountOnly = true,
            }, deadline: DateTime.UtcNow + timeout));
        }
    }

    /// <summary>What to change when <paramref name="cause"/> is etcd refusing this appliance's user, or null when it is not.</summary>
    /// <param name="access">What the request wanted of the prefix: "read", "write", or "read or write".</param>
    public static string? Refusal(Exception cause, EtcdFleetOptions options, string access)
    {
        var chain = new List<Exception>();
        for (var e = cause; e is not null; e = e.InnerException)
        {
            chain.Add(e);
        }

        if (chain.OfType<RpcException>().Any(e => e.StatusCode == StatusCode.PermissionDenied))
        {
            return $"etcd user {UserOf(options)} may not {access} {options.KeyPrefix}…: grant its role readwrite on the prefix "
                   + $"(etcdctl role grant-permission <role> --prefix=true readwrite {options.KeyPrefix})";
        }

        var text = string.Join(" ", chain.Select(e => e.Message));
        if (text.Contains("invalid user ID or password", StringComparison.OrdinalIgnoreCase) ||
            text.Contains("authentication failed", StringComparison.OrdinalIgnoreCase))
        {
            return "etcd refused this appliance's user: check NasDash:Fleet:Etcd:User and :Password";
        }

        if (text.Contains("user name is empty", StringComparison.OrdinalIgnoreCase))
        {
            return "etcd's authentication is on and this appliance names no user: set NasDash:Fleet:Etcd:User and :Password";
        }

        return null;
    }

    private static string UserOf(EtcdFleetOptions options) =>
        options.User is { Length: > 0 } user ? user : "(the common name of " + (options.ClientCertificate ?? "this appliance's client certificate") + ")";

    private static bool Answered<T>(EtcdFleetOptions options, string access, Func<T> request)
    {
        try
        {
            EtcdRetry.Run(request);
            return true;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException)
        {
            return Refusal(ex, options, access) is { } reason ? throw new StoreRefusedException(reason, ex) : false;
        }
    }
}
