using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using LiteDB;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>
/// The fleet's store: the same promises as <see cref="LiteDbStore"/> (every write durable on return, the writes of one
/// <see cref="InTransaction"/> committed together or not at all), kept in etcd. A transaction collects its writes and
/// commits them as one etcd <c>Txn</c>, which a quorum has written to disk before it answers, guarded by compares:
/// each account on the revision it was read at, everything read inside the transaction on the revision it had then.
/// A transaction that lost only on what it read itself runs again from fresh reads; one whose account changed since
/// the caller read it is refused, since the decision made on that account is stale. A decision's unlocked try
/// (<see cref="UnlockedAttempt"/>) reads its account and the settings in one round trip, and its commit also requires the
/// locks it skipped to be free; refused, it is marked lost and decided again under the lock. Documents are the same BSON the
/// LiteDB store writes (one mapper), so what is encrypted there (TOTP secrets, tokens) is encrypted here.
/// </summary>
public sealed partial class EtcdStore : IAccountStore, ISettingsStore, IAuditLog, IAlertStore, INoticeOutbox, IStoreTransactions,
    INotificationSettingsStore, IApiTokenStore, IReportTokens, IStoreEngine
{
    private const int Attempts = 5;
    private const string Accounts = "accounts/";
    private const string Names = "names/";
    private const string SettingsKey = "settings";
    private const string NotificationsKey = "notifications";
    private const string Audit = "audit/";
    private const string Alerts = "alerts/";
    private const string Outbox = "outbox/";
    private const string Tokens = "tokens/";
    private const string Reports = "reports/";

    /// <summary>The keys (relative to the prefix) other fleet services read: the watch, the local copy, join.</summary>
    public const string AccountsPrefix = Accounts;
    public const string NamesPrefix = Names;
    public const string SettingsKeyName = SettingsKey;
    public const string NotificationsKeyName = NotificationsKey;
    public const string AlertsPrefix = Alerts;
    public const string KeyRingPrefix = "keyring/";
    public const string AuditPrefix = Audit;

    /// <summary>An account's key, relative to the prefix.</summary>
    public static string AccountKeyOf(Guid id) => AccountKey(id);

    /// <summary>An audit entry's key, relative to the prefix.</summary>
    public static string AuditKeyOf(long id) => AuditKey(id);

    /// <summary>An alert's key, relative to the prefix.</summary>
    public static string AlertKeyOf(Guid id) => Alerts + id.ToString("N");

    /// <summary>An outbox notice's key, relative to the prefix.</summary>
    public static string NoticeKeyOf(Guid id) => Outbox + id.ToString("N");

    /// <summary>An API token's key, relative to the prefix.</summary>
    public static string TokenKeyOf(Guid id) => Tokens + id.ToString("N");

    /// <summary>A "This wasn't me" report's key, relative to the prefix.</summary>
    public static string ReportKeyOf(string tokenHash) => Reports + tokenHash;

    private readonly EtcdClient _client;
    private readonly string _prefix;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly FleetReachability _reachability;
    private readonly BsonMapper _mapper = LiteDbStore.CreateMapper();
    private readonly object _writeGate = new();
    // The etcd revision each account or notice object was read or written at: its commit compares on it.
    private readonly ConditionalWeakTable<object, StrongBox<long>> _revisions = new();
    // The settings a decision's unlocked try read with its account (null inside: none stored), until that try commits.
    private readonly ConditionalWeakTable<UnlockedAttempt, StrongBox<Stored?>> _settingsReadWith = new();
    // The transaction open on the thread holding _writeGate.
    private Transaction? _open;
    private long _lastAuditId;
    private volatile bool _refusing;

    public EtcdStore(EtcdClient client, EtcdFleetOptions options, TimeProvider time, FleetReachability? reachability = null)
    {
        _client = client;
        _prefix = options.KeyPrefix;
        _time = time;
        _timeout = options.RequestTimeout;
        _reachability = reachability ?? new FleetReachability(options);
        // The store's interfaces are synchronous (as LiteDB is), so every etcd call here blocks a pool thread while gRPC
        // needs another to read the answer: with the pool's default minimum, a burst of sign-ins starves it until deadlines
        // pass. Enough threads from the start keep a burst of parallel decisions moving.
        ThreadPool.GetMinThreads(out var workers, out var completions);
        ThreadPool.SetMinThreads(Math.Max(workers, MinimumPoolThreads), completions);
    }

    private const int MinimumPoolThreads = 128;

    public event Action? SettingsChanged;

    public event Action<AuditEvent>? Audited;

    public event Action? NoticeQueued;

    /// <summary>Raised after each commit with how long the quorum took to write it.</summary>
    public event Action<TimeSpan>? Committed;

    // ---- Accounts ----

    public Account? FindByName(string userName)
    {
        return Read(Names + Account.Normalize(userName)) is { } id ? FindById(Guid.Parse(id.Value.ToStringUtf8(), CultureInfo.InvariantCulture)) : null;
    }

    public Account? FindById(Guid id)
    {
        if (DecidingUnlocked() is { } attempt && !_settingsReadWith.TryGetValue(attempt, out _))
        {
            // The decision reads the settings next: both in one round trip, from one revision.
            var (account, settings) = ReadTogether(AccountKey(id), SettingsKey);
            _settingsReadWith.AddOrUpdate(attempt, new StrongBox<Stored?>(settings));
            return account is { } found ? AccountFrom(found) : null;
        }

        return Read(AccountKey(id)) is { } stored ? AccountFrom(stored) : null;
    }

    public IReadOnlyList<Account> All()
    {
        var named = NamedAccountIds();
        return ReadRange(Accounts).Select(AccountFrom).Where(a => named.Contains(a.Id)).OrderBy(a => a.NormalizedUserName, StringComparer.Ordinal).ToList();
    }

    // The accounts a name leads to. A join writes administrators too many for its one transaction ahead of it ("staged"),
    // and their names only in that transaction: until it commits they are nobody's administrators, so they are not
    // listed. Read before the accounts: an account made meanwhile shows at the next read, one deleted meanwhile not at all.
    // Not compared at commit: it only decides what is listed.
    private HashSet<Guid> NamedAccountIds() =>
        [.. ReadRange(Names, compared: false).Select(id => Guid.Parse(id.Value.ToStringUtf8(), CultureInfo.InvariantCulture))];

    public bool TryInsert(Account account)
    {
        RefuseUncommittedFacts(account);
        return Write(tx =>
        {
            if (Read(Names + account.NormalizedUserName) is not null || Read(AccountKey(account.Id)) is not null)
            {
                return false;
            }

            tx.Put(Key(Names + account.NormalizedUserName), ByteString.CopyFromUtf8(account.Id.ToString()));
            tx.PutTracked(Key(AccountKey(account.Id)), Serialize(account), account, expectedRevision: null);
            return true;
        });
    }

    public void Update(Account account, params AuditEvent[] audit)
    {
        RefuseUncommittedFacts(account);
        InTransaction(() =>
        {
            var tx = _open!;
            tx.PutTracked(Key(AccountKey(account.Id)), Serialize(account), account, RevisionOf(account) ?? Transaction.MustExist);
            foreach (var entry in audit)
            {
                RecordAudit(tx, entry);
            }
        });
    }

    public bool Delete(Guid id) =>
        Write(tx =>
        {
            if (Read(AccountKey(id)) is not { } stored)
            {
                return false;
            }

            var account = AccountFrom(stored);
            tx.Delete(Key(AccountKey(id)));
            tx.Delete(Key(Names + account.NormalizedUserName));
            return true;
        });

    private static void RefuseUncommittedFacts(Account account)
    {
        if (account.HasUncommittedFacts)
        {
            throw new InvalidOperationException($"{account.UserName}'s changes carry security facts: commit them through {nameof(SecurityLedger)}.");
        }
    }

    private static string AccountKey(Guid id) => Accounts + id.ToString("N");

    private Account AccountFrom(Stored stored) => Tracked<Account>(stored);

    // A document whose later write compares on the revision it was read at (0 inside a transaction that wrote it: untracked).
    private T Tracked<T>(Stored stored)
        where T : class
    {
        var document = Deserialize<T>(stored.Value);
        if (stored.ModRevision != 0)
        {
            _revisions.AddOrUpdate(document, new StrongBox<long>(stored.ModRevision));
        }

        return document;
    }

    private long? RevisionOf(object document) => _revisions.TryGetValue(document, out var read) ? read.Value : null;

    // ---- Transactions ----

    public void InTransaction(Action writes) =>
        Write(_ =>
        {
            writes();
            return true;
        });

    private T Write<T>(Func<Transaction, T> writes)
    {
        lock (_writeGate)
        {
            if (_open is { } joined)
            {
                return writes(joined);
            }

            for (var attempt = 1; ; attempt++)
            {
                var tx = _open = new Transaction();
                T result;
                try
                {
                    result = writes(tx);
                }
                finally
                {
                    _open = null;
                }

                if (tx.IsEmpty)
                {
                    return result;
                }

                var unlocked = DecidingUnlocked();
                var request = tx.Request(unlocked?.Names.Select(name => EtcdFleetLocks.Unheld(_prefix, name)) ?? []);
                var started = Stopwatch.GetTimestamp();
                var response = Call(() => _client.Transaction(request, deadline: Deadline()));
                if (!response.Succeeded && unlocked is not null)
                {
                    // Decided without the fleet's lock and overtaken (or waited for) by another appliance: the caller
                    // decides again under the lock, from fresh reads.
                    unlocked.MarkLost();
                    throw new StoreConflictException("A decision made without the fleet's lock was overtaken.",
                        "This attempt could not be recorded: another appliance of the fleet changed this account at the same moment. Nothing was counted; try again.");
                }

                if (response.Succeeded)
                {
                    unlocked?.MarkCommitted();
                    foreach (var document in tx.Documents)
                    {
                        _revisions.AddOrUpdate(document, new StrongBox<long>(response.Header.Revision));
                    }

                    Committed?.Invoke(Stopwatch.GetElapsedTime(started));
                    tx.RunAfterCommit();
                    return result;
                }

                RefuseStale(tx);
                if (attempt == Attempts)
                {
                    throw new StoreUnavailableException(new IOException($"Other appliances kept changing what this write read ({Attempts} attempts)."),
                        "This attempt could not be recorded: other appliances of the fleet were changing the same records. Nothing was counted.");
                }
            }
        }
    }

    // A decision made on an account (or a notice claimed) that another appliance has changed since is stale: it must not be
    // written, nor redone here.
    private void RefuseStale(Transaction tx)
    {
        foreach (var (key, expected) in tx.TrackedRevisions)
        {
            if (expected == Transaction.MustNotExist)
            {
                // An insert that lost to another: the next attempt reads the name as taken.
                continue;
            }

            var current = Call(() => _client.Get(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, deadline: Deadline())).Kvs.FirstOrDefault();
            if (current is null)
            {
                throw new InvalidOperationException($"{key[_prefix.Length..]} no longer exists.");
            }

            if (current.ModRevision != expected && expected != Transaction.MustExist)
            {
                throw new StoreConflictException($"{key} changed at revision {current.ModRevision} after it was read at {expected}.",
                    "This attempt could not be recorded: another appliance of the fleet changed this account at the same moment. Nothing was counted; try again.");
            }
        }
    }

    // ---- Settings ----

    public ApplianceSettings Get()
    {
        var stored = DecidingUnlocked() is { } attempt && _settingsReadWith.TryGetValue(attempt, out var readWith) ? readWith.Value : Read(SettingsKey);
        return stored is { } found ? Deserialize<ApplianceSettings>(found.Value) : new ApplianceSettings();
    }

    public void Save(ApplianceSettings settings) =>
        Write(tx =>
        {
            tx.Put(Key(SettingsKey), Serialize(settings));
            tx.AfterCommit(() => SettingsChanged?.Invoke());
            return true;
        });

    public void Update(Action<ApplianceSettings> change) =>
        Write(_ =>
        {
            var current = Get();
            change(current);
            Save(current);
            return true;
        });

    public NotificationSettings GetNotificationSettings() =>
        Read(NotificationsKey) is { } stored ? Deserialize<NotificationSettings>(stored.Value) : new NotificationSettings();

    public void SaveNotificationSettings(NotificationSettings settings, AuditEvent audit) =>
        Write(tx =>
        {
            tx.Put(Key(NotificationsKey), Serialize(settings));
            RecordAudit(tx, audit);
            return true;
        });

    // ---- Audit ----

    public void Append(AuditEvent auditEvent) =>
        Write(tx =>
        {
            RecordAudit(tx, auditEvent);
            return true;
        });

    public IReadOnlyList<AuditEvent> Query(AuditQuery query) =>
        Filter(query).OrderByDescending(e => e.Id).Skip(query.Skip).Take(query.Take).ToList();

    public int Count(AuditQuery query) => Filter(query).Count();

    /// <summary>The oldest audit events, in the order of their ids.</summary>
    public IReadOnlyList<AuditEvent> OldestAudit(int take) =>
        ReadRange(Audit).Select(Deserialize<AuditEvent>).OrderBy(e => e.Id).Take(take).ToList();

    /// <summary>Deletes the audit events up to and including <paramref name="throughId"/> and records why, in one transaction; returns how many.</summary>
    public int PruneAudit(long throughId, AuditEvent record) =>
        Write(tx =>
        {
            var old = ReadRange(Audit).Select(Deserialize<AuditEvent>).Where(e => e.Id <= throughId).ToList();
            foreach (var entry in old)
            {
                tx.Delete(Key(AuditKey(entry.Id)));
            }

            RecordAudit(tx, record);
            return old.Count;
        });

    private void RecordAudit(Transaction tx, AuditEvent entry)
    {
        if (entry.Id == 0)
        {
            entry.Id = NextAuditId();
        }

        tx.Put(Key(AuditKey(entry.Id)), Serialize(entry), Transaction.MustNotExist);
        tx.AfterCommit(() => Audited?.Invoke(entry));
    }

    // Unique across the fleet without a shared counter every appliance would contend on: the time in milliseconds,
    // then 20 random bits; strictly increasing within this process.
    private long NextAuditId()
    {
        var candidate = (_time.GetUtcNow().ToUnixTimeMilliseconds() << 20) + System.Security.Cryptography.RandomNumberGenerator.GetInt32(1 << 20);
        return _lastAuditId = Math.Max(candidate, _lastAuditId + 1);
    }

    private static string AuditKey(long id) => Audit + id.ToString("D19", CultureInfo.InvariantCulture);

    private IEnumerable<AuditEvent> Filter(AuditQuery query)
    {
        var user = query.UserName?.Trim();
        var prefix = query.EventPrefix?.Trim();
        return ReadRange(Audit).Select(Deserialize<AuditEvent>).Where(e =>
            (string.IsNullOrEmpty(user) || e.UserName == user)
            && (string.IsNullOrEmpty(prefix) || e.Event.StartsWith(prefix, StringComparison.Ordinal))
            && (query.From is not { } from || e.At >= from)
            && (query.To is not { } to || e.At <= to)
            && (query.BeforeId is not { } before || e.Id < before));
    }

    // ---- Alerts ----

    public Alert Raise(string key, AlertSeverity severity, string message, string? actionUrl) =>
        Write(tx =>
        {
            var alert = AllAlerts().FirstOrDefault(a => a.Key == key && a.IsOpen) ?? new Alert { Key = key };
            alert.Severity = severity;
            alert.Message = message;
            alert.ActionUrl = actionUrl;
            alert.RaisedAt = _time.GetUtcNow();
            tx.Put(Key(Alerts + alert.Id.ToString("N")), Serialize(alert));
            return alert;
        });

    public void Clear(string key) =>
        Write(tx =>
        {
            foreach (var alert in AllAlerts().Where(a => a.Key == key && a.ClearedAt == null))
            {
                alert.ClearedAt = _time.GetUtcNow();
                tx.Put(Key(Alerts + alert.Id.ToString("N")), Serialize(alert));
            }

            return true;
        });

    public bool Acknowledge(Guid id, string by) =>
        Write(tx =>
        {
            if (Read(Alerts + id.ToString("N")) is not { } stored || Deserialize<Alert>(stored.Value) is not { IsOpen: true } alert)
            {
                return false;
            }

            alert.AcknowledgedAt = _time.GetUtcNow();
            alert.AcknowledgedBy = by;
            tx.Put(Key(Alerts + id.ToString("N")), Serialize(alert));
            return true;
        });

    public IReadOnlyList<Alert> Open() => AllAlerts().Where(a => a.IsOpen).OrderByDescending(a => a.RaisedAt).ToList();

    public IReadOnlyList<Alert> All(int limit) => AllAlerts().OrderByDescending(a => a.RaisedAt).Take(limit).ToList();

    private IEnumerable<Alert> AllAlerts() => ReadRange(Alerts).Select(Deserialize<Alert>);

    // ---- Outbox ----

    public IReadOnlyList<OutboxNotice> Pending(int max) =>
        AllOutbox().Where(n => n.DoneAt == null).OrderBy(n => n.At).Take(max).ToList();

    /// <summary>Every notice ever queued, newest first (for tests and diagnostics).</summary>
    public IReadOnlyList<OutboxNotice> AllNotices(int limit) => AllOutbox().OrderByDescending(n => n.At).Take(limit).ToList();

    /// <summary>Saves a notice read from <see cref="Pending"/> only if no other appliance saved it since: the claim on its next attempt.</summary>
    public void Save(OutboxNotice notice, params AuditEvent[] audit) =>
        Write(tx =>
        {
            tx.PutTracked(Key(Outbox + notice.Id.ToString("N")), Serialize(notice), notice, RevisionOf(notice) ?? Transaction.MustExist);
            foreach (var entry in audit)
            {
                RecordAudit(tx, entry);
            }

            return true;
        });

    public void Queue(IReadOnlyList<OutboxNotice> notices)
    {
        if (notices.Count == 0)
        {
            return;
        }

        Write(tx =>
        {
            foreach (var notice in notices)
            {
                tx.PutTracked(Key(Outbox + notice.Id.ToString("N")), Serialize(notice), notice, expectedRevision: null);
            }

            tx.AfterCommit(() => NoticeQueued?.Invoke());
            return true;
        });
    }

    /// <summary>
    /// A claim key under a lease of its own: while it lives no other appliance delivers the notice, and if this one dies
    /// mid-delivery the lease runs out and another takes the notice over (its Message-Id unchanged, so a receiver sees one).
    /// </summary>
    public IDisposable? Claim(OutboxNotice notice, TimeSpan atMost)
    {
        var lease = Call(() => _client.LeaseGrant(new LeaseGrantRequest { TTL = (long)Math.Ceiling(atMost.TotalSeconds) }, deadline: Deadline())).ID;
        var key = ByteString.CopyFromUtf8(Key("claims/" + notice.Id.ToString("N")));
        var request = new TxnRequest();
        request.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(Environment.MachineName), Lease = lease } });
        var claim = new LeaseClaim(this, lease);
        if (Call(() => _client.Transaction(request, deadline: Deadline())).Succeeded)
        {
            return claim;
        }

        claim.Dispose();
        return null;
    }

    private sealed class LeaseClaim(EtcdStore store, long lease) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                EtcdRetry.Run(() => store._client.LeaseRevoke(new LeaseRevokeRequest { ID = lease }, deadline: store.Deadline()));
            }
            catch (Exception ex) when (EtcdRetry.Unanswered(ex))
            {
                // The lease runs out by itself.
            }
        }
    }

    private IEnumerable<OutboxNotice> AllOutbox() => ReadRange(Outbox).Select(Tracked<OutboxNotice>);

    // ---- API tokens and reports ----

    public IReadOnlyList<ApiToken> AllTokens() => ReadRange(Tokens).Select(Deserialize<ApiToken>).ToList();

    public void InsertToken(ApiToken token) =>
        Write(tx =>
        {
            tx.Put(Key(Tokens + token.Id.ToString("N")), Serialize(token), Transaction.MustNotExist);
            return true;
        });

    public bool DeleteToken(Guid id) =>
        Write(tx =>
        {
            if (Read(Tokens + id.ToString("N")) is null)
            {
                return false;
            }

            tx.Delete(Key(Tokens + id.ToString("N")));
            return true;
        });

    public void SaveLastUsed(IReadOnlyDictionary<Guid, DateTimeOffset> lastUsed) =>
        Write(tx =>
        {
            foreach (var (id, at) in lastUsed)
            {
                if (Read(Tokens + id.ToString("N")) is { } stored)
                {
                    var token = Deserialize<ApiToken>(stored.Value);
                    token.LastUsedAt = at;
                    tx.Put(Key(Tokens + id.ToString("N")), Serialize(token));
                }
            }

            return true;
        });

    public void InsertReport(NotMeReport report) =>
        Write(tx =>
        {
            tx.Put(Key(Reports + report.TokenHash), Serialize(report), Transaction.MustNotExist);
            return true;
        });

    public NotMeReport? FindReport(string tokenHash) =>
        Read(Reports + tokenHash) is { } stored ? Deserialize<NotMeReport>(stored.Value) : null;

    public void UpdateReport(NotMeReport report) =>
        Write(tx =>
        {
            tx.Put(Key(Reports + report.TokenHash), Serialize(report), Transaction.MustExist);
            return true;
        });

    // ---- etcd ----

    /// <summary>False from a write the cluster refused until one succeeds again.</summary>
    public bool TakesWrites => !_refusing;

    /// <summary>True when the cluster commits a write now (a quorum answers); used by /healthz/ready.</summary>
    public bool IsWritable()
    {
        try
        {
            Call(() => _client.Put(new PutRequest { Key = ByteString.CopyFromUtf8(Key("health")), Value = ByteString.CopyFromUtf8(_time.GetUtcNow().ToString("O")) },
                deadline: Deadline()));
            return true;
        }
        catch (StoreUnavailableException)
        {
            return false;
        }
    }

    private string Key(string relative) => _prefix + relative;

    private DateTime Deadline() => DateTime.UtcNow + _timeout;

    // The unlocked try of a decision, between its account read and its commit, outside any transaction (a transaction
    // reads its own writes and compares what it reads).
    private UnlockedAttempt? DecidingUnlocked() =>
        Monitor.IsEntered(_writeGate) && _open is not null ? null : UnlockedAttempt.Current is { Deciding: true, Names.Count: > 0 } attempt ? attempt : null;

    // Two keys read in one linearizable round trip (a Txn of two ranges, which etcd answers without a Raft write).
    private (Stored? First, Stored? Second) ReadTogether(string first, string second)
    {
        var request = new TxnRequest();
        request.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8(Key(first)) } });
        request.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8(Key(second)) } });
        var responses = Call(() => _client.Transaction(request, deadline: Deadline())).Responses;
        return (Found(0), Found(1));

        Stored? Found(int index) => responses[index].ResponseRange.Kvs.FirstOrDefault() is { } kv ? new Stored(kv.Value, kv.ModRevision) : null;
    }

    // A read inside a transaction sees the transaction's own writes first, and the commit compares on what it saw.
    private Stored? Read(string relative)
    {
        var key = Key(relative);
        var tx = Monitor.IsEntered(_writeGate) ? _open : null;
        if (tx is not null && tx.Written(key, out var pending))
        {
            return pending is null ? null : new Stored(pending, 0);
        }

        var found = Call(() => _client.Get(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, deadline: Deadline())).Kvs.FirstOrDefault();
        tx?.Saw(key, found?.ModRevision ?? 0);
        return found is null ? null : new Stored(found.Value, found.ModRevision);
    }

    /// <param name="compared">False: what is read only decides what is listed, and the commit does not compare on it.</param>
    private Dictionary<string, Stored>.ValueCollection ReadRange(string relative, bool compared = true)
    {
        var prefix = Key(relative);
        var tx = Monitor.IsEntered(_writeGate) ? _open : null;
        var found = Call(() => _client.GetRange(prefix, deadline: Deadline())).Kvs
            .ToDictionary(kv => kv.Key.ToStringUtf8(), kv => new Stored(kv.Value, kv.ModRevision), StringComparer.Ordinal);
        if (tx is null)
        {
            return found.Values;
        }

        if (compared)
        {
            foreach (var (key, stored) in found)
            {
                tx.Saw(key, stored.ModRevision);
            }
        }

        foreach (var (key, value) in tx.WrittenUnder(prefix))
        {
            if (value is null)
            {
                found.Remove(key);
            }
            else
            {
                found[key] = new Stored(value, 0);
            }
        }

        return found.Values;
    }

    private T Call<T>(Func<T> request)
    {
        try
        {
            var answer = EtcdRetry.Run(request);
            _refusing = false;
            return answer;
        }
        catch (Exception ex) when (EtcdRetry.Unanswered(ex))
        {
            _refusing = true;
            throw _reachability.CannotDecide(ex);
        }
    }

    private ByteString Serialize<T>(T value) => ByteString.CopyFrom(BsonSerializer.Serialize(_mapper.ToDocument(value)));

    private T Deserialize<T>(Stored stored) => Deserialize<T>(stored.Value);

    private T Deserialize<T>(ByteString bytes) => _mapper.ToObject<T>(BsonSerializer.Deserialize(bytes.ToByteArray()));

    private readonly record struct Stored(ByteString Value, long ModRevision);
}
