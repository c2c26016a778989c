using System.Diagnostics;
using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;

namespace NasDash.Storage;

/// <summary>
/// The one LiteDB file of the appliance, opened once by this process in Direct mode. Every write is one
/// transaction taken under a single writer lock (never across an await: LiteDB binds transactions to the
/// thread, #2369) and followed by a checkpoint, which fsyncs the data file: LiteDB 5 does not fsync a
/// commit (#2818), and the checkpoint also keeps the -log.db file from growing (#2814). A write the disk refuses is
/// not rolled back in place (LiteDB 5.0.21 throws from that rollback and keeps the transaction's locks): the database
/// is closed and opened again, which replays its log, and the caller gets a <see cref="StoreUnavailableException"/>.
/// </summary>
public sealed partial class LiteDbStore : IAccountStore, ISettingsStore, IAuditLog, IAlertStore, INoticeOutbox, IStoreTransactions, IStoreEngine, IDisposable
{
    private const string Users = "users";
    private const string Settings = "settings";
    private const string Audit = "audit";
    private const string Alerts = "alerts";
    private const string Outbox = "outbox";

    private readonly object _writeGate = new();
    // Null when the caller holds the data directory's lock (and keeps it past this store's life).
    private readonly DataDirectoryLock? _processLock;
    private readonly string _file;
    private readonly BsonMapper _mapper = CreateMapper();
    private readonly ILogger _log;
    // Replaced after a failed write; null while the disk refuses even the reopen (retried under _writeGate).
    private volatile LiteDatabase? _database;
    // Opened read-only because the disk refused read-write (only touched under _writeGate).
    private bool _readOnly;
    // The last write failure, until a write succeeds again.
    private volatile Exception? _writeFailure;
    private readonly TimeProvider _time;
    private ApplianceSettings? _settings;
    // Open InTransaction calls on the thread holding _writeGate (only ever read and written under it).
    private int _transactionDepth;
    // What to signal once the outermost transaction has committed (only touched under _writeGate).
    private readonly List<Action> _afterCommit = [];

    /// <param name="understoodSchema">The newest schema this build reads; only tests pass an older one, to play an older build.</param>
    /// <param name="heldLock">The data directory's lock, when the caller has taken it already; else the store takes it and gives it back on dispose.</param>
    public LiteDbStore(string dataDirectory, TimeProvider time, ILogger<LiteDbStore>? log = null, int? understoodSchema = null, DataDirectoryLock? heldLock = null)
    {
        _time = time;
        _log = log ?? NullLogger<LiteDbStore>.Instance;
        Directory = dataDirectory;
        _file = Path.Combine(dataDirectory, DataDirectory.DatabaseFile);
        _processLock = heldLock is null ? DataDirectoryLock.Take(dataDirectory) : null;
        try
        {
            StoreOpening.RefuseBeforeOpening(dataDirectory);
            _database = StoreOpening.Writable(dataDirectory, () =>
            {
                // LiteDB creates its log at the first write after an open, with the umask's mode; an empty one is simply reused.
                DataDirectory.CreatePrivateFile(Path.Combine(dataDirectory, "nasdash-log.db"));
                return StoreOpening.Open(_file, _mapper);
            });
            StoreOpening.Writable(dataDirectory, () =>
            {
                StoreOpening.Prepare(_database, dataDirectory, time, understoodSchema ?? Migrations.CurrentVersion);
                _database.Checkpoint();
                DataDirectory.RestrictFile(_file);
                DataDirectory.RestrictFile(Path.Combine(dataDirectory, "nasdash-log.db"));
                return true;
            });
        }
        catch
        {
            try
            {
                _database?.Dispose();
            }
            catch (Exception ex) when (ex is IOException or LiteException or UnauthorizedAccessException)
            {
                StoreLog.CloseFailed(_log, ex, _file);
            }

            _processLock?.Dispose();
            throw;
        }
    }

    public string Directory { get; }

    public event Action? SettingsChanged;

    /// <summary>Raised after each durable commit with how long the commit and its flush took (for the metrics).</summary>
    public event Action<TimeSpan>? Committed;

    public Account? FindByName(string userName)
    {
        var normalized = Account.Normalize(userName);
        var account = Db.GetCollection<Account>(Users).FindOne(a => a.NormalizedUserName == normalized);
        // LiteDB compares with a culture collation that ignores NUL, soft hyphen, zero-width characters…: "alice\0"
        // would find alice while the caller locks "alice\0", so parallel guesses could slip past alice's lock.
        return account is not null && string.Equals(account.NormalizedUserName, normalized, StringComparison.Ordinal) ? account : null;
    }

    public Account? FindById(Guid id) => Db.GetCollection<Account>(Users).FindById(id);

    public IReadOnlyList<Account> All() => Db.GetCollection<Account>(Users).FindAll().OrderBy(a => a.NormalizedUserName, StringComparer.Ordinal).ToList();

    public bool TryInsert(Account account)
    {
        RefuseUncommittedFacts(account);
        return Write(() =>
        {
            var users = Db.GetCollection<Account>(Users);
            if (users.Exists(a => a.NormalizedUserName == account.NormalizedUserName))
            {
                return false;
            }

            users.Insert(account);
            return true;
        });
    }

    public void Update(Account account, params AuditEvent[] audit)
    {
        RefuseUncommittedFacts(account);
        InTransaction(() =>
        {
            if (!Db.GetCollection<Account>(Users).Update(account))
            {
                throw new InvalidOperationException($"Account {account.UserName} no longer exists.");
            }

            foreach (var entry in audit)
            {
                RecordAudit(entry);
            }
        });
    }

    // A fact reaches its notices and reactions only through SecurityLedger; saving it past the ledger would lose them.
    private static void RefuseUncommittedFacts(Account account)
    {
        if (account.HasUncommittedFacts)
        {
            throw new InvalidOperationException($"{account.UserName}'s changes carry security facts: commit them through {nameof(SecurityLedger)}.");
        }
    }

    public bool Delete(Guid id) => Write(() => Db.GetCollection<Account>(Users).Delete(id));

    /// <summary>
    /// Runs several writes as one transaction; the action must be synchronous. Store methods called inside it
    /// (Update, Save, Append…) join it, and the checkpoint runs once, after the commit.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The disk refused the write; nothing of it was committed.</exception>
    public void InTransaction(Action writes) =>
        Write(() =>
        {
            writes();
            return true;
        });

    private long _commits;

    /// <summary>Transactions committed (and flushed) since this store was opened.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>False from a write the disk refused until a write succeeds again.</summary>
    public bool TakesWrites => _writeFailure is null;

    private T Write<T>(Func<T> writes)
    {
        lock (_writeGate)
        {
            if (_transactionDepth > 0)
            {
                return writes();
            }

            var db = WritableOrThrow();
            if (!db.BeginTrans())
            {
                throw new InvalidOperationException("A transaction is already open on this thread.");
            }

            T result;
            _transactionDepth++;
            try
            {
                result = writes();
                var started = Stopwatch.GetTimestamp();
                if (!db.Commit())
                {
                    throw new InvalidOperationException("The store did not commit the transaction.");
                }

                // LiteDB 5 does not fsync a commit; its checkpoint copies the log into the data file and flushes it to disk.
                db.Checkpoint();
                Interlocked.Increment(ref _commits);
                Committed?.Invoke(Stopwatch.GetElapsedTime(started));
            }
            catch (Exception ex) when (!IsDiskFailure(ex))
            {
                Abandon(db, ex);
                throw;
            }
            catch (Exception ex)
            {
                throw Failed(ex);
            }
            finally
            {
                _transactionDepth--;
            }

            if (_writeFailure is not null)
            {
                _writeFailure = null;
                StoreLog.WritesAgain(_log, _file);
            }

            RunAfterCommit();
            return result;
        }
    }

    // A refusal of the writes themselves (an account gone meanwhile): the disk is fine, so a rollback is enough.
    private void Abandon(LiteDatabase db, Exception refusal)
    {
        _settings = null;
        _afterCommit.Clear();
        try
        {
            db.Rollback();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            StoreLog.WriteFailed(_log, new AggregateException(refusal, ex), _file);
            Reopen();
        }
    }

    // The original error is logged before anything else touches the database, then the database is reopened.
    private StoreUnavailableException Failed(Exception ex)
    {
        _settings = null;
        _afterCommit.Clear();
        if (ex is not StoreUnavailableException)
        {
            StoreLog.WriteFailed(_log, ex, _file);
            _writeFailure = ex;
        }

        Reopen();
        return ex as StoreUnavailableException ?? new StoreUnavailableException(ex);
    }

    private void Reopen()
    {
        Close();
        TryOpen();
    }

    private void Close()
    {
        var old = _database;
        _database = null;
        try
        {
            old?.Dispose();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            StoreLog.CloseFailed(_log, ex, _file);
        }
    }

    // Writable if the disk lets it; else read-only, so sign-in pages and the console still read what was committed.
    private LiteDatabase? TryOpen()
    {
        try
        {
            _database = StoreOpening.Open(_file, _mapper);
            _readOnly = false;
            return _database;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            StoreLog.ReopenFailed(_log, ex, _file);
            _writeFailure ??= ex;
        }

        try
        {
            _database = StoreOpening.Open(_file, _mapper, readOnly: true);
            _readOnly = true;
            return _database;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            StoreLog.ReopenFailed(_log, ex, _file);
            return null;
        }
    }

    private LiteDatabase WritableOrThrow()
    {
        if (_database is { } open && !_readOnly)
        {
            return open;
        }

        Close();
        return TryOpen() is { } reopened && !_readOnly
            ? reopened
            : throw new StoreUnavailableException(_writeFailure ?? new IOException($"{_file} cannot be opened for writing."));
    }

    // The database to read from; after a failed reopen, opening it again waits for the writer.
    private LiteDatabase Db
    {
        get
        {
            if (_database is { } db)
            {
                return db;
            }

            lock (_writeGate)
            {
                return _database ?? TryOpen() ?? throw new StoreUnavailableException(_writeFailure ?? new IOException($"{_file} cannot be opened."));
            }
        }
    }

    private static bool IsDiskFailure(Exception ex) => ex switch
    {
        StoreUnavailableException or IOException or UnauthorizedAccessException or ObjectDisposedException => true,
        LiteException lite => lite.ErrorCode != LiteException.INDEX_DUPLICATE_KEY,
        _ => ex.InnerException is { } inner && IsDiskFailure(inner),
    };

    public ApplianceSettings Get()
    {
        var cached = _settings;
        if (cached is not null)
        {
            return Copy(cached);
        }

        var loaded = Db.GetCollection<ApplianceSettings>(Settings).FindById(1) ?? new ApplianceSettings();
        _settings = loaded;
        return Copy(loaded);
    }

    public void Save(ApplianceSettings settings)
    {
        Write(() =>
        {
            Db.GetCollection<ApplianceSettings>(Settings).Upsert(settings);
            _settings = Copy(settings);
            if (settings.SetupCompleted)
            {
                _afterCommit.Add(() => StoreOpening.MarkSetupDone(Directory));
            }

            _afterCommit.Add(() => SettingsChanged?.Invoke());
            return true;
        });
    }

    public void Update(Action<ApplianceSettings> change)
    {
        lock (_writeGate)
        {
            var current = Copy(Db.GetCollection<ApplianceSettings>(Settings).FindById(1) ?? new ApplianceSettings());
            change(current);
            Save(current);
        }
    }

    public void Append(AuditEvent auditEvent)
    {
        InTransaction(() => RecordAudit(auditEvent));
    }

    public IReadOnlyList<AuditEvent> Query(AuditQuery query) =>
        Filter(query).OrderByDescending(e => e.Id).Skip(query.Skip).Limit(query.Take).ToList();

    public int Count(AuditQuery query) => Filter(query).Count();

    /// <summary>The oldest audit events, in the order they were written.</summary>
    public IReadOnlyList<AuditEvent> OldestAudit(int take) =>
        Db.GetCollection<AuditEvent>(Audit).Query().OrderBy(e => e.Id).Limit(take).ToList();

    /// <summary>Deletes the audit events written up to and including <paramref name="throughId"/> and records why, in one commit; returns how many.</summary>
    public int PruneAudit(long throughId, AuditEvent record) =>
        Write(() =>
        {
            var removed = Db.GetCollection<AuditEvent>(Audit).DeleteMany(e => e.Id <= throughId);
            RecordAudit(record);
            return removed;
        });

    public Alert Raise(string key, AlertSeverity severity, string message, string? actionUrl) =>
        Write(() =>
        {
            var alerts = Db.GetCollection<Alert>(Alerts);
            var alert = alerts.FindOne(a => a.Key == key && a.ClearedAt == null && a.AcknowledgedAt == null) ?? new Alert { Key = key };
            alert.Severity = severity;
            alert.Message = message;
            alert.ActionUrl = actionUrl;
            alert.RaisedAt = _time.GetUtcNow();
            alerts.Upsert(alert);
            return alert;
        });

    public void Clear(string key) =>
        Write(() =>
        {
            var alerts = Db.GetCollection<Alert>(Alerts);
            foreach (var alert in alerts.Find(a => a.Key == key && a.ClearedAt == null).ToList())
            {
                alert.ClearedAt = _time.GetUtcNow();
                alerts.Update(alert);
            }

            return true;
        });

    public bool Acknowledge(Guid id, string by) =>
        Write(() =>
        {
            var alerts = Db.GetCollection<Alert>(Alerts);
            var alert = alerts.FindById(id);
            if (alert is null || !alert.IsOpen)
            {
                return false;
            }

            alert.AcknowledgedAt = _time.GetUtcNow();
            alert.AcknowledgedBy = by;
            alerts.Update(alert);
            return true;
        });

    public IReadOnlyList<Alert> Open() =>
        Db.GetCollection<Alert>(Alerts).Find(a => a.ClearedAt == null && a.AcknowledgedAt == null)
            .OrderByDescending(a => a.RaisedAt).ToList();

    public IReadOnlyList<Alert> All(int limit) =>
        Db.GetCollection<Alert>(Alerts).Query().OrderByDescending(a => a.RaisedAt).Limit(limit).ToList();

    /// <summary>True when a write reaches the disk; used by /healthz.</summary>
    public bool IsWritable()
    {
        try
        {
            return Write(() =>
            {
                Db.GetCollection(Migrations.MetaCollection).Upsert(new BsonDocument { ["_id"] = "health", ["at"] = _time.GetUtcNow().UtcTicks });
                return true;
            });
        }
        catch (Exception ex) when (ex is IOException or LiteException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return false;
        }
    }

    public long LogFileBytes
    {
        get
        {
            var log = new FileInfo(Path.Combine(Directory, "nasdash-log.db"));
            return log.Exists ? log.Length : 0;
        }
    }

    public void Dispose()
    {
        lock (_writeGate)
        {
            try
            {
                _database?.Dispose();
            }
            catch (Exception ex) when (ex is IOException or LiteException or UnauthorizedAccessException)
            {
                // Closing on a disk gone read-only: what was committed is in the log and replayed at the next start.
                StoreLog.CloseFailed(_log, ex, _file);
            }

            _database = null;
        }

        _processLock?.Dispose();
    }

    private ILiteQueryable<AuditEvent> Filter(AuditQuery query)
    {
        var q = Db.GetCollection<AuditEvent>(Audit).Query();
        if (!string.IsNullOrWhiteSpace(query.UserName))
        {
            var user = query.UserName.Trim();
            q = q.Where(e => e.UserName == user);
        }

        if (!string.IsNullOrWhiteSpace(query.EventPrefix))
        {
            var prefix = query.EventPrefix.Trim();
            q = q.Where(e => e.Event.StartsWith(prefix));
        }

        if (query.From is { } from)
        {
            q = q.Where(LiteDB.Query.GTE(nameof(AuditEvent.At), from.UtcTicks));
        }

        if (query.To is { } to)
        {
            q = q.Where(LiteDB.Query.LTE(nameof(AuditEvent.At), to.UtcTicks));
        }

        if (query.BeforeId is { } before)
        {
            q = q.Where(e => e.Id < before);
        }

        return q;
    }

    private static ApplianceSettings Copy(ApplianceSettings s) => new()
    {
        Id = s.Id,
        TwoFactor = s.TwoFactor,
        SetupCompleted = s.SetupCompleted,
        SetupCompletedAt = s.SetupCompletedAt,
        ApplianceLockedBy = s.ApplianceLockedBy,
        Ssh = new SshState { LoginDisabled = s.Ssh.LoginDisabled, DisabledAt = s.Ssh.DisabledAt, DisabledReason = s.Ssh.DisabledReason },
    };

    internal static BsonMapper CreateMapper()
    {
        var mapper = new StoreMapper { EnumAsInteger = false };
        // Ticks keep full precision and UTC; LiteDB's DateTime loses both.
        mapper.RegisterType(d => new BsonValue(d.UtcTicks), b => new DateTimeOffset(b.AsInt64, TimeSpan.Zero));
        // The parts' fields keep the names they had on the account before they were parts (schema 4).
        mapper.StoreFlat<Account, SecondFactor>(nameof(Account.SecondFactor), field => field);
        mapper.StoreFlat<Account, EnrolmentCode>(nameof(Account.EnrolmentCode),
            field => field == nameof(EnrolmentCode.Code) ? nameof(Account.EnrolmentCode) : nameof(Account.EnrolmentCode) + field);
        mapper.Entity<Account>()
            .Id(a => a.Id)
            .Ignore(a => a.AcceptsTotp)
            .Ignore(a => a.AcceptsBackupCodes)
            .Ignore(a => a.AcceptsSecurityKeys)
            .Ignore(a => a.MayAddSecurityKey)
            .Ignore(a => a.IsSuperLocked)
            .Ignore(a => a.InRecovery)
            .Ignore(a => a.AdmitsSessions)
            .Ignore(a => a.MayChangePassword)
            .Ignore(a => a.AcceptsSshCode)
            .Ignore(a => a.MayRenewSecondFactor)
            .Ignore(a => a.MayAddNotificationAddress)
            .Ignore(a => a.MayCreateApiToken);
        mapper.Entity<StoredBackupCodes>()
            .Ignore(c => c.Total);
        mapper.Entity<ApplianceSettings>().Id(s => s.Id, autoId: false);
        mapper.Entity<AuditEvent>().Id(e => e.Id, autoId: true);
        mapper.Entity<Alert>().Id(a => a.Id).Ignore(a => a.IsOpen);
        mapper.Entity<OutboxNotice>().Id(n => n.Id).Ignore(n => n.AboutAddress);
        mapper.Entity<NotificationSettings>().Id(n => n.Id, autoId: false);
        mapper.Entity<NoticeDelivery>().Ignore(d => d.Finished);
        mapper.Entity<NotificationAddress>().Ignore(a => a.IsConfirmed).Ignore(a => a.MaySendCode);
        mapper.Entity<AddressCode>().Ignore(c => c.TriesLeft);
        mapper.Entity<ApiToken>().Id(t => t.Id);
        return mapper;
    }
}
