namespace NasDash.Security;

/// <summary>Accounts, durable on return: every write here is committed and flushed to disk before it returns.</summary>
public interface IAccountStore
{
    Account? FindByName(string userName);
    Account? FindById(Guid id);
    IReadOnlyList<Account> All();
    /// <summary>False when the (case-insensitive) user name is taken. An account carrying facts goes through <see cref="SecurityLedger"/>.</summary>
    bool TryInsert(Account account);
    /// <summary>Saves the account and the audit entries in one transaction. An account carrying facts goes through <see cref="SecurityLedger"/>.</summary>
    void Update(Account account, params AuditEvent[] audit);
    bool Delete(Guid id);
}

/// <summary>Several store writes as one transaction: every write of the stores made inside it joins it.</summary>
public interface IStoreTransactions
{
    /// <summary>Runs the synchronous writes as one transaction, committed (and on disk) before it returns.</summary>
    void InTransaction(Action writes);
}

/// <summary>The single settings document of the appliance.</summary>
public interface ISettingsStore
{
    ApplianceSettings Get();
    void Save(ApplianceSettings settings);
    /// <summary>Re-reads the document under the write lock, applies the change and saves it: no lost update.</summary>
    void Update(Action<ApplianceSettings> change);
}

public interface IAuditLog
{
    void Append(AuditEvent auditEvent);
    IReadOnlyList<AuditEvent> Query(AuditQuery query);
    int Count(AuditQuery query);
}

public interface IAlertStore
{
    /// <summary>Raises an alert, or refreshes the open one with the same key.</summary>
    Alert Raise(string key, AlertSeverity severity, string message, string? actionUrl);
    void Clear(string key);
    bool Acknowledge(Guid id, string by);
    IReadOnlyList<Alert> Open();
    IReadOnlyList<Alert> All(int limit);
}

/// <summary>Everything the appliance stores besides accounts, in one document.</summary>
public sealed class ApplianceSettings
{
    public int Id { get; set; } = 1;
    public TwoFactorSettings TwoFactor { get; set; } = TwoFactorSettings.Defaults;
    public bool SetupCompleted { get; set; }
    public DateTimeOffset? SetupCompletedAt { get; set; }
    /// <summary>Set when a super-lockout happened with scope Appliance: every web sign-in is refused.</summary>
    public string? ApplianceLockedBy { get; set; }
    public SshState Ssh { get; set; } = new();
}

public sealed class SshState
{
    public bool LoginDisabled { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }
    public string? DisabledReason { get; set; }
}

public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

public sealed class Alert
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>Identifies what the alert is about, e.g. "ssh-disabled" or "superlocked:alice"; one open alert per key.</summary>
    public string Key { get; set; } = "";
    public AlertSeverity Severity { get; set; }
    public string Message { get; set; } = "";
    public string? ActionUrl { get; set; }
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset? ClearedAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public bool IsOpen => ClearedAt is null && AcknowledgedAt is null;
}

public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string? UserName { get; set; }
    public string? ClientAddress { get; set; }
    /// <summary>What happened: the id of one of <see cref="AuditNames"/>.</summary>
    public string Event { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string? Detail { get; set; }
}

public sealed record AuditQuery(
    string? UserName = null,
    string? EventPrefix = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Skip = 0,
    int Take = 100,
    /// <summary>Only entries older than this id (a cursor: pages stay stable while new entries arrive).</summary>
    long? BeforeId = null);
