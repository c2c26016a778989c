using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>One etcd member as `fleet status` shows it.</summary>
public sealed record FleetMember(string Name, string ClientUrl, string Id, bool Reachable, bool Leader);

/// <summary>
/// What `nasdash console fleet status` prints: the members, the leader, how many answer, the fleet's revision (the last
/// change under its prefix) and how far this appliance's local copy is behind it.
/// </summary>
public sealed record FleetStatus(
    string Prefix,
    IReadOnlyList<FleetMember> Members,
    int Reachable,
    int Total,
    long? Revision,
    long CopyRevision,
    DateTimeOffset? CopiedAt,
    string? CopyNote)
{
    public bool Quorum => Reachable > Total / 2;

    public FleetMember? Leader => Members.FirstOrDefault(m => m.Leader);

    /// <summary>Revisions of the fleet the copy has yet to take; null when the fleet's revision is unknown (no quorum).</summary>
    public long? Lag => Revision is { } revision ? Math.Max(0, revision - CopyRevision) : null;
}

/// <summary>Asks every configured member how it is (a second at most each), and the cluster for its members and revision.</summary>
public sealed class FleetStatusProbe(EtcdFleetOptions options, FleetWatch? watch)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>With this process's own watch: its copy revision.</summary>
    public Task<FleetStatus> ProbeAsync(CancellationToken cancellationToken) =>
        ProbeAsync(watch?.CopyRevision ?? 0, watch?.CopiedAt, watch?.Problem, cancellationToken);

    public async Task<FleetStatus> ProbeAsync(long copyRevision, DateTimeOffset? copiedAt, string? copyNote, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(options.EndpointList.Select(endpoint => StatusOfAsync(endpoint, cancellationToken)));
        var reachable = answers.Where(a => a.Status is not null).ToList();
        var leaderId = reachable.Select(a => a.Status!.Leader).FirstOrDefault(id => id != 0);
        var answeredIds = reachable.Select(a => a.Status!.Header.MemberId).ToHashSet();
        IReadOnlyList<FleetMember> members;
        long? revision = null;
        using (var client = EtcdConnection.Open(options))
        {
            var listed = await TryAsync(() => client.MemberListAsync(new MemberListRequest(), deadline: Deadline(), cancellationToken: cancellationToken));
            members = listed is null
                ? [.. answers.Select(a => new FleetMember("?", a.Endpoint, a.Status is { } s ? Hex(s.Header.MemberId) : "?",
                    a.Status is not null, a.Status is { } st && st.Header.MemberId == leaderId))]
                : [.. listed.Members.Select(m => new FleetMember(m.Name, m.ClientURLs.FirstOrDefault() ?? "", Hex(m.ID), answeredIds.Contains(m.ID), m.ID == leaderId))];
            var last = await TryAsync(() => client.GetAsync(new RangeRequest
            {
                Key = ByteString.CopyFromUtf8(options.KeyPrefix), RangeEnd = FleetWatch.RangeEnd(options.KeyPrefix), Limit = 1, KeysOnly = true,
                SortTarget = RangeRequest.Types.SortTarget.Mod, SortOrder = RangeRequest.Types.SortOrder.Descend,
            }, deadline: Deadline(), cancellationToken: cancellationToken), refusedAs: "read");
            if (last is not null)
            {
                revision = last.Kvs.FirstOrDefault()?.ModRevision ?? 0;
            }
        }

        return new FleetStatus(options.KeyPrefix, members, members.Count(m => m.Reachable), members.Count, revision, copyRevision, copiedAt, copyNote);
    }

    private async Task<(string Endpoint, StatusResponse? Status)> StatusOfAsync(string endpoint, CancellationToken cancellationToken)
    {
        using var member = EtcdConnection.Open(new EtcdFleetOptions
        {
            Endpoints = endpoint, CaCertificate = options.CaCertificate, ClientCertificate = options.ClientCertificate,
            ClientKey = options.ClientKey, User = options.User, Password = options.Password,
        });
        return (endpoint, await TryAsync(() => member.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow + ProbeTimeout, cancellationToken: cancellationToken)));
    }

    private DateTime Deadline() => DateTime.UtcNow + (options.RequestTimeout < TimeSpan.FromSeconds(3) ? options.RequestTimeout : TimeSpan.FromSeconds(3));

    /// <summary>The answer, or null when there is none; with <paramref name="refusedAs"/>, etcd refusing this appliance's user is said, not hidden.</summary>
    /// <exception cref="StoreRefusedException">etcd refused the user (only with <paramref name="refusedAs"/>).</exception>
    private async Task<T?> TryAsync<T>(Func<Task<T>> request, string? refusedAs = null)
        where T : class
    {
        try
        {
            return await request();
        }
        catch (Exception ex) when (EtcdRetry.Unanswered(ex))
        {
            return refusedAs is not null && EtcdPermissions.Refusal(ex, options, refusedAs) is { } refused ? throw new StoreRefusedException(refused, ex) : null;
        }
    }

    private static string Hex(ulong id) => id.ToString("x16", CultureInfo.InvariantCulture);
}
