namespace NasDash.Security.Notices;

/// <summary>What a notice outside the dashboard (email, webhook) tells the administrator about.</summary>
public enum SecurityNoticeKind
{
    RecoveryStarted,
    RecoverySucceeded,
    MovedToRecovery,
    SuperLocked,
    SshDisabled,
    SshEnabled,
    ConsoleUnlock,
    SecondFactorReset,
    PasswordChanged,
    TwoFactorSettingsChanged,
    BackupCodesRegenerated,
    EnrolmentCodeIssued,
    PasswordChangeRequired,
    SecondFactorEnrolled,
    AuthenticatorRenewed,
    SecurityKeyAdded,
    SecurityKeyRemoved,
    AdministratorCreated,
    AdministratorDeleted,
    ApiTokenCreated,
    ApiTokenRevoked,
    ReportedNotMine,
}

/// <summary>
/// A notice in the outbox: queued in the same commit as the audit entry of its event, delivered later by the
/// background sender. It holds no secret, code or password, only what the message may say.
/// </summary>
public sealed class OutboxNotice
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public SecurityNoticeKind Kind { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The account the event is about.</summary>
    public string? UserName { get; set; }
    /// <summary>Who did it, when that is someone else (an administrator, the console).</summary>
    public string? Actor { get; set; }
    public string? ClientAddress { get; set; }
    /// <summary>The account's state right after the event.</summary>
    public AccountState? AccountState { get; set; }
    /// <summary>A detail safe to send: the settings changed, or why SSH was switched off.</summary>
    public string? Detail { get; set; }
    /// <summary>
    /// The "This wasn't me" token of this notice, encrypted with Data Protection (<see cref="ReportLinks"/>); only its hash
    /// is stored in the clear. Cleared when the notice is done.
    /// </summary>
    public string? ProtectedReportToken { get; set; }
    /// <summary>Set once the sender has decided which targets this notice goes to.</summary>
    public bool Routed { get; set; }
    public List<NoticeDelivery> Deliveries { get; set; } = [];
    /// <summary>Set when every delivery has been made or given up: the notice leaves the queue.</summary>
    public DateTimeOffset? DoneAt { get; set; }
}

/// <summary>One target's delivery of a notice.</summary>
public sealed class NoticeDelivery
{
    /// <summary>"email" or "webhook".</summary>
    public string Target { get; set; } = "";
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? GaveUpAt { get; set; }
    public string? LastError { get; set; }
    public bool Finished => DeliveredAt is not null || GaveUpAt is not null;
}

/// <summary>The outbox of security notices, durable on return like every store write.</summary>
public interface INoticeOutbox
{
    /// <summary>Notices not yet done, oldest first.</summary>
    IReadOnlyList<OutboxNotice> Pending(int max);
    /// <summary>Saves a notice's delivery state and the audit entries in one transaction.</summary>
    void Save(OutboxNotice notice, params AuditEvent[] audit);
    /// <summary>Queues new notices, joining the open transaction; <see cref="NoticeQueued"/> follows its commit.</summary>
    void Queue(IReadOnlyList<OutboxNotice> notices);
    /// <summary>Raised after a commit that queued a notice.</summary>
    event Action? NoticeQueued;
}

/// <summary>
/// Which security facts are notices, and what each says. <see cref="SecurityLedger"/> applies these rules inside the
/// transaction that commits the fact, so a notice can be neither lost after its fact nor sent for one rolled back.
/// </summary>
public static class SecurityNoticeRules
{
    /// <summary>
    /// The notice decision of every kind of fact: which notice it is, or null when it is none. A kind without a decision
    /// throws, and a table test walks every kind.
    /// </summary>
    public static SecurityNoticeKind? Decision(SecurityFactKind kind) => kind switch
    {
        SecurityFactKind.RecoveryStarted => SecurityNoticeKind.RecoveryStarted,
        SecurityFactKind.MovedToRecovery => SecurityNoticeKind.MovedToRecovery,
        SecurityFactKind.SuperLockedByBackupCodes => SecurityNoticeKind.SuperLocked,
        SecurityFactKind.SuperLockedByEnrolmentCodes => SecurityNoticeKind.SuperLocked,
        SecurityFactKind.RecoverySucceeded => SecurityNoticeKind.RecoverySucceeded,
        SecurityFactKind.PasswordChanged => SecurityNoticeKind.PasswordChanged,
        SecurityFactKind.PasswordChangeRequired => SecurityNoticeKind.PasswordChangeRequired,
        SecurityFactKind.ConsoleUnlocked => SecurityNoticeKind.ConsoleUnlock,
        SecurityFactKind.SecondFactorReset => SecurityNoticeKind.SecondFactorReset,
        SecurityFactKind.EnrolmentCodeIssued => SecurityNoticeKind.EnrolmentCodeIssued,
        SecurityFactKind.SecondFactorEnrolled => SecurityNoticeKind.SecondFactorEnrolled,
        SecurityFactKind.AuthenticatorRenewed => SecurityNoticeKind.AuthenticatorRenewed,
        SecurityFactKind.BackupCodesRenewed => SecurityNoticeKind.BackupCodesRegenerated,
        SecurityFactKind.SecurityKeyAdded => SecurityNoticeKind.SecurityKeyAdded,
        SecurityFactKind.SecurityKeyRemoved => SecurityNoticeKind.SecurityKeyRemoved,
        SecurityFactKind.AdministratorCreated => SecurityNoticeKind.AdministratorCreated,
        SecurityFactKind.AdministratorDeleted => SecurityNoticeKind.AdministratorDeleted,
        SecurityFactKind.SshDisabled => SecurityNoticeKind.SshDisabled,
        SecurityFactKind.SshEnabled => SecurityNoticeKind.SshEnabled,
        SecurityFactKind.TwoFactorSettingsChanged => SecurityNoticeKind.TwoFactorSettingsChanged,
        SecurityFactKind.ApiTokenCreated => SecurityNoticeKind.ApiTokenCreated,
        SecurityFactKind.ApiTokenRevoked => SecurityNoticeKind.ApiTokenRevoked,
        SecurityFactKind.ReportedNotMine => SecurityNoticeKind.ReportedNotMine,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "This kind of security fact has no notice decision."),
    };

    /// <summary>
    /// The notices for the facts of one commit. <paramref name="entry"/> is the commit's audit entry (when, who acted,
    /// from where); <paramref name="account"/> the account as saved by it (null for the appliance's own facts).
    /// </summary>
    public static IReadOnlyList<OutboxNotice> For(IReadOnlyList<SecurityFact> facts, AuditEvent entry, Account? account)
    {
        // A recovery that starts and succeeds in one submission is one notice, not two.
        var succeeded = facts.Any(f => f.Kind == SecurityFactKind.RecoverySucceeded);
        // An administrator created with an enrolment code is one notice, the creation (it says a code was issued).
        var created = facts.Any(f => f.Kind == SecurityFactKind.AdministratorCreated);
        var notices = new List<OutboxNotice>();
        foreach (var fact in facts)
        {
            if (Decision(fact.Kind) is not { } kind || (succeeded && fact.Kind == SecurityFactKind.RecoveryStarted) ||
                (created && fact.Kind == SecurityFactKind.EnrolmentCodeIssued))
            {
                continue;
            }

            var subject = account?.UserName ?? fact.UserName ?? entry.UserName;
            var actor = entry.UserName is { } by && !string.Equals(by, subject, StringComparison.Ordinal) ? by : null;
            notices.Add(new OutboxNotice
            {
                Kind = kind,
                At = entry.At,
                UserName = subject,
                Actor = actor ?? ActorFromDetail(entry),
                ClientAddress = fact.Client ?? entry.ClientAddress,
                AccountState = account?.State,
                Detail = DetailOf(fact, entry),
            });
        }

        return notices;
    }

    private static string? DetailOf(SecurityFact fact, AuditEvent entry) => fact.Kind switch
    {
        SecurityFactKind.SuperLockedByBackupCodes => "wrong backup-code submissions",
        SecurityFactKind.SuperLockedByEnrolmentCodes => "wrong enrolment codes",
        SecurityFactKind.TwoFactorSettingsChanged or SecurityFactKind.SshDisabled => fact.Detail ?? entry.Detail,
        _ => fact.Detail,
    };

    // Console verbs record their operator as "by <name>" in the detail; the entry's user is the account.
    private static string? ActorFromDetail(AuditEvent entry) =>
        entry.Event.StartsWith("console.", StringComparison.Ordinal) && entry.Detail is { } detail && detail.StartsWith("by ", StringComparison.Ordinal)
            ? "console (" + detail[3..].Split(';', 2)[0].Trim() + ")"
            : null;
}
