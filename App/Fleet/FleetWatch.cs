using System.Diagnostics;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using LiteDB;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>
/// The appliance's one watch on the fleet's prefix. It reads the accounts, settings and key ring in full at start (and
/// after etcd compacted the revisions it still needed), then follows every change from the revision it last saw, across
/// lost members and connections. It keeps the local copy (<see cref="FleetCopy"/>) and tells in-process subscribers what
/// another appliance changed (<see cref="IStoreChanges"/>): a nudge to re-read the store, never a value to decide on.
/// </summary>
public sealed class FleetWatch : BackgroundService, IStoreChanges
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(5);
    // A member that vanished without closing the connection answers nothing: a progress request every few seconds, and
    // a stream silent for longer than a few of them is dropped and opened again (on another member if need be).
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SilentAtMost = TimeSpan.FromSeconds(12);

    /// <summary>The longest the watch can take to notice a lost member and open the watch again: a silent stream is dropped
    /// after SilentAtMost (checked every ProgressEvery), and the next attempt waits at most LongestRetry.</summary>
    internal static TimeSpan LongestResume => SilentAtMost + ProgressEvery + LongestRetry;

    private readonly EtcdClient _client;
    private readonly EtcdFleetOptions _options;
    private readonly FleetKeyRingKey _key;
    private readonly string _dataDirectory;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetWatch> _log;
    private readonly BsonMapper _mapper = LiteDbStore.CreateMapper();
    // What the copy holds, by relative key (only the watch's loop touches it).
    private Dictionary<string, byte[]> _current = new(StringComparer.Ordinal);
    private bool _filled;
    // The next revision to watch from; 0: a full read is needed first.
    private long _next;
    private long _copyRevision;
    private long _copiedAtTicks;
    private long _heardAt;
    private TimeSpan _retry = FirstRetry;
    private volatile string? _problem;

    public FleetWatch(EtcdClient client, EtcdFleetOptions options, FleetKeyRingKey key, string dataDirectory, TimeProvider time, ILogger<FleetWatch> log)
    {
        _client = client;
        _options = options;
        _key = key;
        _dataDirectory = dataDirectory;
        _time = time;
        _log = log;
    }

    public bool Shared => true;

    public event Action<StoreChange>? Changed;

    /// <summary>The fleet revision the local copy is complete up to (0 until the first full read).</summary>
    public long CopyRevision => Interlocked.Read(ref _copyRevision);

    /// <summary>When the copy last took a change or a full read.</summary>
    public DateTimeOffset? CopiedAt => Interlocked.Read(ref _copiedAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Why the watch is not following the fleet right now, or null while it is.</summary>
    public string? Problem => _problem;

    private string Prefix => _options.KeyPrefix;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        FleetCopy? copy = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    copy ??= FleetCopy.Open(_dataDirectory, _key.Key);
                    if (_next == 0)
                    {
                        _next = await FullReadAsync(copy, stoppingToken) + 1;
                    }

                    await FollowAsync(copy, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested && IsTransient(ex))
                {
                    _problem = ex is FleetCopyBusyException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
                    _log.LogWarning("The fleet watch stopped ({Reason}); it resumes from revision {Revision} in {Delay} ms", _problem, _next,
                        (int)_retry.TotalMilliseconds);
                }

                await Task.Delay(_retry, stoppingToken);
                _retry = TimeSpan.FromTicks(Math.Min(_retry.Ticks * 2, LongestRetry.Ticks));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            copy?.Dispose();
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        // The loop owns the copy and its lock: let it close them before the data directory is used by anyone else.
        try
        {
            ExecuteTask?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is RpcException or OperationCanceledException or IOException or LiteException or StoreRefusedException or InvalidOperationException;

    /// <summary>Reads what the copy keeps at one revision (one Txn of ranges) and replaces the copy with it; returns that revision.</summary>
    private async Task<long> FullReadAsync(FleetCopy copy, CancellationToken cancellationToken)
    {
        var request = new TxnRequest();
        foreach (var (key, isPrefix) in new[] { (EtcdStore.AccountsPrefix, true), (EtcdStore.KeyRingPrefix, true), (EtcdStore.SettingsKeyName, false), (EtcdStore.NotificationsKeyName, false) })
        {
            var range = new RangeRequest { Key = ByteString.CopyFromUtf8(Prefix + key) };
            if (isPrefix)
            {
                range.RangeEnd = RangeEnd(Prefix + key);
            }

            request.Success.Add(new RequestOp { RequestRange = range });
        }

        var response = await EtcdRetry.RunAsync(() => _client.TransactionAsync(request, deadline: DateTime.UtcNow + _options.RequestTimeout,
            cancellationToken: cancellationToken), cancellationToken);
        var records = response.Responses.SelectMany(r => r.ResponseRange.Kvs)
            .ToDictionary(kv => Relative(kv.Key), kv => kv.Value.ToByteArray(), StringComparer.Ordinal);
        var revision = response.Header.Revision;
        var changes = new List<StoreChange>();
        if (_filled)
        {
            // After a compaction: what changed while the watch could not follow is told like any other change.
            foreach (var key in records.Keys.Union(_current.Keys, StringComparer.Ordinal))
            {
                var before = _current.GetValueOrDefault(key);
                var after = records.GetValueOrDefault(key);
                if (before is null || after is null || !before.AsSpan().SequenceEqual(after))
                {
                    Classify(key, before, after, changes);
                }
            }
        }

        copy.Replace(records, revision, Prefix, _time.GetUtcNow());
        _current = records;
        _filled = true;
        Copied(revision);
        _problem = null;
        Publish(changes);
        return revision;
    }

    private async Task FollowAsync(FleetCopy copy, CancellationToken stoppingToken)
    {
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // hasleader: a member cut off from the leader ends the watch rather than go silent on a stale view.
        using var call = _client.GetConnection().WatchClient.Watch(new Metadata { { "hasleader", "true" } }, cancellationToken: stream.Token);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8(Prefix), RangeEnd = RangeEnd(Prefix), StartRevision = _next, ProgressNotify = true,
            },
        }, stream.Token);
        Heard();
        var keeper = KeepAliveAsync(call.RequestStream, stream);
        try
        {
            while (await call.ResponseStream.MoveNext(stream.Token))
            {
                var response = call.ResponseStream.Current;
                Heard();
                _retry = FirstRetry;
                if (response.CompactRevision > 0)
                {
                    _log.LogWarning("The fleet's history before revision {Compacted} was compacted: the fleet watch reads everything again", response.CompactRevision);
                    _next = 0;
                    return;
                }

                if (response.Canceled)
                {
                    if (response.CancelReason.Contains("invalid auth token", StringComparison.Ordinal))
                    {
                        // Refused inside the stream, where the client does not see it: it would send the same token forever.
                        EtcdConnection.ForgetToken(_client, _options);
                    }

                    throw new RpcException(new Status(StatusCode.Unavailable, $"etcd ended the watch: {response.CancelReason}"));
                }

                if (response.Created)
                {
                    _problem = null;
                    continue;
                }

                if (response.Events.Count == 0)
                {
                    // A progress notice: every change up to this revision has been sent.
                    Copied(Math.Max(CopyRevision, response.Header.Revision));
                    continue;
                }

                Apply(copy, response.Events);
            }

            throw new RpcException(new Status(StatusCode.Unavailable, "the watch stream ended"));
        }
        finally
        {
            await stream.CancelAsync();
            try
            {
                await keeper;
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException)
            {
            }
        }
    }

    private async Task KeepAliveAsync(IClientStreamWriter<WatchRequest> requests, CancellationTokenSource stream)
    {
        while (!stream.IsCancellationRequested)
        {
            await Task.Delay(ProgressEvery, stream.Token);
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _heardAt)) > SilentAtMost)
            {
                _log.LogWarning("The fleet watch heard nothing for {Seconds} s; it opens the watch again", (int)SilentAtMost.TotalSeconds);
                await stream.CancelAsync();
                return;
            }

            await requests.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() }, stream.Token);
        }
    }

    private void Heard() => Interlocked.Exchange(ref _heardAt, Stopwatch.GetTimestamp());

    private void Apply(FleetCopy copy, IEnumerable<Mvccpb.Event> events)
    {
        var kept = new List<KeyValuePair<string, byte[]?>>();
        var changes = new List<StoreChange>();
        long revision = 0;
        foreach (var change in events)
        {
            var key = Relative(change.Kv.Key);
            var value = change.Type == Mvccpb.Event.Types.EventType.Delete ? null : change.Kv.Value.ToByteArray();
            revision = Math.Max(revision, change.Kv.ModRevision);
            Classify(key, _current.GetValueOrDefault(key), value, changes);
            if (FleetCopy.Keeps(key))
            {
                kept.Add(new(key, value));
                if (value is null)
                {
                    _current.Remove(key);
                }
                else
                {
                    _current[key] = value;
                }
            }
        }

        if (kept.Count > 0)
        {
            copy.Apply(kept, revision, Prefix, _time.GetUtcNow());
        }

        _next = revision + 1;
        Copied(revision);
        Publish(changes);
    }

    private void Classify(string key, byte[]? before, byte[]? after, List<StoreChange> changes)
    {
        if (key.StartsWith(EtcdStore.AccountsPrefix, StringComparison.Ordinal))
        {
            if (Guid.TryParseExact(key[EtcdStore.AccountsPrefix.Length..], "N", out var id))
            {
                changes.Add(new StoreChange.AccountChanged(id));
            }
        }
        else if (key == EtcdStore.SettingsKeyName)
        {
            var old = Settings(before);
            var now = Settings(after);
            if (old.TwoFactor != now.TwoFactor)
            {
                changes.Add(new StoreChange.TwoFactorSettingsChanged());
            }

            if (old.Ssh.LoginDisabled != now.Ssh.LoginDisabled || old.Ssh.DisabledAt != now.Ssh.DisabledAt || old.Ssh.DisabledReason != now.Ssh.DisabledReason)
            {
                changes.Add(new StoreChange.SshStateChanged());
            }

            if (old.ApplianceLockedBy != now.ApplianceLockedBy)
            {
                changes.Add(new StoreChange.ApplianceLockChanged());
            }
        }
        else if (key.StartsWith(EtcdStore.AlertsPrefix, StringComparison.Ordinal))
        {
            changes.Add(new StoreChange.AlertsChanged());
        }
    }

    private ApplianceSettings Settings(byte[]? stored) =>
        stored is null ? new ApplianceSettings() : _mapper.ToObject<ApplianceSettings>(BsonSerializer.Deserialize(stored));

    private void Publish(List<StoreChange> changes)
    {
        foreach (var change in changes.Distinct())
        {
            try
            {
                Changed?.Invoke(change);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _log.LogError(ex, "A subscriber of the fleet watch failed on {Change}", change);
            }
        }
    }

    private void Copied(long revision)
    {
        Interlocked.Exchange(ref _copyRevision, revision);
        Interlocked.Exchange(ref _copiedAtTicks, _time.GetUtcNow().UtcTicks);
    }

    private string Relative(ByteString key) => key.ToStringUtf8()[Prefix.Length..];

    /// <summary>etcd's range end for every key starting with <paramref name="prefix"/> (NasDash's prefixes are ASCII).</summary>
    public static ByteString RangeEnd(string prefix) => ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(prefix));
}
