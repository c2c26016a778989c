using LiteDB;
using NasDash.Security;

namespace NasDash.Storage;

/// <summary>
/// The one LiteDB file of the appliance, opened once by this process in Direct mode. Every write is one
/// transaction taken under a single writer lock (never across an await: LiteDB binds transactions to the
/// thread, #2369) and followed by a checkpoint, which fsyncs the data file: LiteDB 5 does not fsync a
/// commit (#2818), and the checkpoint also keeps the -log.db file from growing (#2814).
/// </summary>
public sealed partial class LiteDbStore : IAccountStore, ISettingsStore, IAuditLog, IAlertStore, INoticeOutbox, IDisposable
{
    private const string Users = "users";
    private const string Settings = "settings";
    private const string Audit = "audit";
    private const string Alerts = "alerts";
    private const string Outbox = "outbox";

    private readonly object _writeGate = new();
    private readonly FileStream _processLock;
    private readonly LiteDatabase _db;
    private readonly TimeProvider _time;
    private ApplianceSettings? _settings;
    // Open InTransaction calls on the thread holding _writeGate (only ever read and written under it).
    private int _transactionDepth;
    // What to signal once the outermost transaction has committed (only touched under _writeGate).
    private readonly List<Action> _afterCommit = [];

    public LiteDbStore(string dataDirectory, TimeProvider time)
    {
        _time = time;
        Directory = dataDirectory;
        DataDirectory.Ensure(dataDirectory);
        _processLock = AcquireProcessLock(dataDirectory);
        try
        {
            var file = Path.Combine(dataDirectory, DataDirectory.DatabaseFile);
            // LiteDB creates its log at the first write after an open, with the umask's mode; an empty one is simply reused.
            DataDirectory.CreatePrivateFile(Path.Combine(dataDirectory, "nasdash-log.db"));
            _db = new LiteDatabase(new ConnectionString { Filename = file, Connection = ConnectionType.Direct }, CreateMapper());
            _db.CheckpointSize = 0;
            Migrations.Apply(_db, time);
            Durable();
            DataDirectory.RestrictFile(file);
            DataDirectory.RestrictFile(Path.Combine(dataDirectory, "nasdash-log.db"));
        }
        catch
        {
            _processLock.Dispose();
            throw;
        }
    }

    public string Directory { get; }

    public event Action? SettingsChanged;

    public Account? FindByName(string userName)
    {
        var normalized = Account.Normalize(userName);
        var account = _db.GetCollection<Account>(Users).FindOne(a => a.NormalizedUserName == normalized);
        // LiteDB compares with a culture collation that ignores NUL, soft hyphen, zero-width characters…: "alice\0"
        // would find alice while the caller locks "alice\0", so parallel guesses could slip past alice's lock.
        return account is not null && string.Equals(account.NormalizedUserName, normalized, StringComparison.Ordinal) ? account : null;
    }

    public Account? FindById(Guid id) => _db.GetCollection<Account>(Users).FindById(id);

    public IReadOnlyList<Account> All() => _db.GetCollection<Account>(Users).FindAll().OrderBy(a => a.NormalizedUserName, StringComparer.Ordinal).ToList();

    public bool TryInsert(Account account)
    {
        lock (_writeGate)
        {
            var users = _db.GetCollection<Account>(Users);
            if (users.Exists(a => a.NormalizedUserName == account.NormalizedUserName))
            {
                return false;
            }

            users.Insert(account);
            Durable();
            return true;
        }
    }

    public void Update(Account account, params AuditEvent[] audit)
    {
        lock (_writeGate)
        {
            InTransaction(() =>
            {
                var users = _db.GetCollection<Account>(Users);
                var before = users.FindById(account.Id);
                if (!users.Update(account))
                {
                    throw new InvalidOperationException($"Account {account.UserName} no longer exists.");
                }

                foreach (var entry in audit)
                {
                    RecordAudit(entry, before, account);
                }
            });
        }
    }

    public bool Delete(Guid id)
    {
        lock (_writeGate)
        {
            var deleted = _db.GetCollection<Account>(Users).Delete(id);
            Durable();
            return deleted;
        }
    }

    /// <summary>
    /// Runs several writes as one transaction; the action must be synchronous. Store methods called inside it
    /// (Update, Save, Append…) join it, and the checkpoint runs once, after the commit.
    /// </summary>
    public void InTransaction(Action writes)
    {
        lock (_writeGate)
        {
            if (_transactionDepth > 0)
            {
                writes();
                return;
            }

            if (!_db.BeginTrans())
            {
                throw new InvalidOperationException("A transaction is already open on this thread.");
            }

            _transactionDepth++;
            try
            {
                writes();
                if (!_db.Commit())
                {
                    throw new InvalidOperationException("The store did not commit the transaction.");
                }
            }
            catch
            {
                _db.Rollback();
                _settings = null;
                _afterCommit.Clear();
                throw;
            }
            finally
            {
                _transactionDepth--;
            }

            Durable();
            RunAfterCommit();
        }
    }

    public ApplianceSettings Get()
    {
        var cached = _settings;
        if (cached is not null)
        {
            return Copy(cached);
        }

        var loaded = _db.GetCollection<ApplianceSettings>(Settings).FindById(1) ?? new ApplianceSettings();
        _settings = loaded;
        return Copy(loaded);
    }

    public void Save(ApplianceSettings settings)
    {
        lock (_writeGate)
        {
            _db.GetCollection<ApplianceSettings>(Settings).Upsert(settings);
            _settings = Copy(settings);
            Durable();
        }

        SettingsChanged?.Invoke();
    }

    public void Update(Action<ApplianceSettings> change)
    {
        lock (_writeGate)
        {
            var current = Copy(_db.GetCollection<ApplianceSettings>(Settings).FindById(1) ?? new ApplianceSettings());
            change(current);
            Save(current);
        }
    }

    public void Append(AuditEvent auditEvent)
    {
        InTransaction(() => RecordAudit(auditEvent, null, null));
    }

    public IReadOnlyList<AuditEvent> Query(AuditQuery query) =>
        Filter(query).OrderByDescending(e => e.Id).Skip(query.Skip).Limit(query.Take).ToList();

    public int Count(AuditQuery query) => Filter(query).Count();

    /// <summary>Deletes audit events older than the cut-off; returns how many.</summary>
    public int PruneAudit(DateTimeOffset olderThan)
    {
        lock (_writeGate)
        {
            var ticks = olderThan.UtcTicks;
            var removed = _db.GetCollection<AuditEvent>(Audit).DeleteMany(LiteDB.Query.LT(nameof(AuditEvent.At), ticks));
            Durable();
            return removed;
        }
    }

    public Alert Raise(string key, AlertSeverity severity, string message, string? actionUrl)
    {
        lock (_writeGate)
        {
            var alerts = _db.GetCollection<Alert>(Alerts);
            var alert = alerts.FindOne(a => a.Key == key && a.ClearedAt == null && a.AcknowledgedAt == null) ?? new Alert { Key = key };
            alert.Severity = severity;
            alert.Message = message;
            alert.ActionUrl = actionUrl;
            alert.RaisedAt = _time.GetUtcNow();
            alerts.Upsert(alert);
            Durable();
            return alert;
        }
    }

    public void Clear(string key)
    {
        lock (_writeGate)
        {
            var alerts = _db.GetCollection<Alert>(Alerts);
            foreach (var alert in alerts.Find(a => a.Key == key && a.ClearedAt == null).ToList())
            {
                alert.ClearedAt = _time.GetUtcNow();
                alerts.Update(alert);
            }

            Durable();
        }
    }

    public bool Acknowledge(Guid id, string by)
    {
        lock (_writeGate)
        {
            var alerts = _db.GetCollection<Alert>(Alerts);
            var alert = alerts.FindById(id);
            if (alert is null || !alert.IsOpen)
            {
                return false;
            }

            alert.AcknowledgedAt = _time.GetUtcNow();
            alert.AcknowledgedBy = by;
            alerts.Update(alert);
            Durable();
            return true;
        }
    }

    public IReadOnlyList<Alert> Open() =>
        _db.GetCollection<Alert>(Alerts).Find(a => a.ClearedAt == null && a.AcknowledgedAt == null)
            .OrderByDescending(a => a.RaisedAt).ToList();

    public IReadOnlyList<Alert> All(int limit) =>
        _db.GetCollection<Alert>(Alerts).Query().OrderByDescending(a => a.RaisedAt).Limit(limit).ToList();

    /// <summary>True when a write reaches the disk; used by /healthz.</summary>
    public bool IsWritable()
    {
        try
        {
            lock (_writeGate)
            {
                var meta = _db.GetCollection(Migrations.MetaCollection);
                meta.Upsert(new BsonDocument { ["_id"] = "health", ["at"] = _time.GetUtcNow().UtcTicks });
                Durable();
            }

            return true;
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
        _db.Dispose();
        _processLock.Dispose();
    }

    private ILiteQueryable<AuditEvent> Filter(AuditQuery query)
    {
        var q = _db.GetCollection<AuditEvent>(Audit).Query();
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

        return q;
    }

    // LiteDB 5 does not fsync a commit; its checkpoint copies the log into the data file and flushes it to disk.
    // Inside InTransaction it waits for the outer commit (a checkpoint cannot run within an open transaction).
    private void Durable()
    {
        if (_transactionDepth == 0)
        {
            _db.Checkpoint();
        }
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

    private static FileStream AcquireProcessLock(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, DataDirectory.LockFile);
        try
        {
            // FileShare.None takes an exclusive flock on Linux, so a second process cannot open the store.
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            return new FileStream(path, options);
        }
        catch (IOException ex)
        {
            throw new StoreLockedException(dataDirectory, ex);
        }
    }

    private static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper { EnumAsInteger = false };
        // Ticks keep full precision and UTC; LiteDB's DateTime loses both.
        mapper.RegisterType(d => new BsonValue(d.UtcTicks), b => new DateTimeOffset(b.AsInt64, TimeSpan.Zero));
        mapper.Entity<Account>()
            .Id(a => a.Id)
            .Ignore(a => a.HasTotp)
            .Ignore(a => a.IsEnrolled)
            .Ignore(a => a.BackupCodesInSet)
            .Ignore(a => a.AcceptsTotp)
            .Ignore(a => a.AcceptsBackupCodes)
            .Ignore(a => a.AcceptsSecurityKeys)
            .Ignore(a => a.MayAddSecurityKey);
        mapper.Entity<StoredBackupCodes>()
            .Ignore(c => c.Total);
        mapper.Entity<ApplianceSettings>().Id(s => s.Id, autoId: false);
        mapper.Entity<AuditEvent>().Id(e => e.Id, autoId: true);
        mapper.Entity<Alert>().Id(a => a.Id).Ignore(a => a.IsOpen);
        mapper.Entity<OutboxNotice>().Id(n => n.Id);
        mapper.Entity<NotificationSettings>().Id(n => n.Id, autoId: false);
        mapper.Entity<NoticeDelivery>().Ignore(d => d.Finished);
        return mapper;
    }
}
