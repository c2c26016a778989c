
namespace NasDash.Storage;

/// <summary>The outbox of security notices, written in the same transaction as the audit entry of their event.</summary>
public sealed partial class LiteDbStore : INotificationSettingsStore
{
    private const string Notifications = "notifications";

    /// <summary>Raised after the commit of each audit entry (for the log lines), on the writing thread.</summary>
    public event Action<AuditEvent>? Audited;

    public event Action? NoticeQueued;

    /// <summary>One process delivers this store's notices: its claim is always granted.</summary>
    public IDisposable? Claim(OutboxNotice notice, TimeSpan atMost) => NoClaim.Instance;

    private sealed class NoClaim : IDisposable
    {
        public static readonly NoClaim Instance = new();

        public void Dispose()
        {
        }
    }

    public IReadOnlyList<OutboxNotice> Pending(int max) =>
        Db.GetCollection<OutboxNotice>(Outbox).Query().Where(n => n.DoneAt == null).OrderBy(n => n.At).Limit(max).ToList();

    public void Save(OutboxNotice notice, params AuditEvent[] audit) =>
        InTransaction(() =>
        {
            Db.GetCollection<OutboxNotice>(Outbox).Upsert(notice);
            foreach (var entry in audit)
            {
                RecordAudit(entry);
            }
        });

    /// <summary>Every notice ever queued, newest first (for tests and diagnostics).</summary>
    public IReadOnlyList<OutboxNotice> AllNotices(int limit) =>
        Db.GetCollection<OutboxNotice>(Outbox).Query().OrderByDescending(n => n.At).Limit(limit).ToList();

    public NotificationSettings GetNotificationSettings() =>
        Db.GetCollection<NotificationSettings>(Notifications).FindById(1) ?? new NotificationSettings();

    public void SaveNotificationSettings(NotificationSettings settings, AuditEvent audit) =>
        InTransaction(() =>
        {
            Db.GetCollection<NotificationSettings>(Notifications).Upsert(settings);
            RecordAudit(audit);
        });

    public void Queue(IReadOnlyList<OutboxNotice> notices)
    {
        if (notices.Count == 0)
        {
            return;
        }

        InTransaction(() =>
        {
            Db.GetCollection<OutboxNotice>(Outbox).Insert(notices);
            _afterCommit.Add(() => NoticeQueued?.Invoke());
        });
    }

    // Inside an open transaction: the entry commits or rolls back with the writes around it.
    private void RecordAudit(AuditEvent entry)
    {
        Db.GetCollection<AuditEvent>(Audit).Insert(entry);
        _afterCommit.Add(() => Audited?.Invoke(entry));
    }

    private void RunAfterCommit()
    {
        var signals = _afterCommit.ToArray();
        _afterCommit.Clear();
        foreach (var signal in signals)
        {
            try
            {
                signal();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A subscriber's failure must not turn a committed write into an error for its caller.
                System.Diagnostics.Trace.TraceError($"NasDash store subscriber failed: {ex}");
            }
        }
    }
}
