namespace NasDash.Security;

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
    ApiTokenCreated,
    ApiTokenRevoked,
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
    /// <summary>Raised after a commit that queued a notice.</summary>
    event Action? NoticeQueued;
}

/// <summary>
/// Which committed audit entries are security notices. The store applies these rules inside the transaction
/// that writes the entry, so a notice can be neither lost after its event nor sent for an event rolled back.
/// </summary>
public static class SecurityNoticeRules
{
    /// <summary>
    /// The notices for an audit entry. <paramref name="before"/> and <paramref name="after"/> are the account the
    /// entry was written with, as stored before and as saved by the same commit (null for entries without one).
    /// </summary>
    public static IReadOnlyList<OutboxNotice> For(AuditEvent entry, Account? before, Account? after)
    {
        var kinds = Kinds(entry, before, after);
        if (kinds.Count == 0)
        {
            return [];
        }

        var subject = after?.UserName ?? entry.UserName;
        var actor = entry.UserName is { } by && !string.Equals(by, subject, StringComparison.Ordinal) ? by : null;
        return [.. kinds.Select(kind => new OutboxNotice
        {
            Kind = kind,
            At = entry.At,
            UserName = subject,
            Actor = actor ?? ActorFromDetail(entry),
            ClientAddress = entry.ClientAddress,
            AccountState = after?.State,
            Detail = kind is SecurityNoticeKind.TwoFactorSettingsChanged or SecurityNoticeKind.SshDisabled
                or SecurityNoticeKind.ApiTokenCreated or SecurityNoticeKind.ApiTokenRevoked ? entry.Detail : null,
        })];
    }

    private static List<SecurityNoticeKind> Kinds(AuditEvent entry, Account? before, Account? after)
    {
        var succeeded = entry.Outcome == "succeeded";
        switch (entry.Event)
        {
            case "login.backup-codes":
                var kinds = new List<SecurityNoticeKind>();
                if (succeeded)
                {
                    // A recovery that starts and succeeds in one submission is one notice, not two.
                    kinds.Add(SecurityNoticeKind.RecoverySucceeded);
                    return kinds;
                }

                if (before?.State == AccountState.Normal)
                {
                    kinds.Add(SecurityNoticeKind.RecoveryStarted);
                }

                if (entry.Outcome == "superlocked" && before?.State != AccountState.SuperLocked)
                {
                    kinds.Add(SecurityNoticeKind.SuperLocked);
                }

                return kinds;
            case "login.totp" or "stepup" when before?.State == AccountState.Normal && after?.State == AccountState.Recovery:
                return [SecurityNoticeKind.MovedToRecovery];
            case "ssh.disabled":
                return [SecurityNoticeKind.SshDisabled];
            case "ssh.enabled" or "console.ssh-enable" when succeeded:
                return [SecurityNoticeKind.SshEnabled];
            case "console.unlock" when succeeded:
                return [SecurityNoticeKind.ConsoleUnlock];
            case "users.second-factor-reset" when succeeded:
                return [SecurityNoticeKind.SecondFactorReset];
            case "account.password-changed" or "console.reset-password" when succeeded:
                return [SecurityNoticeKind.PasswordChanged];
            case "settings.two-factor" when entry.Outcome == "saved":
                return [SecurityNoticeKind.TwoFactorSettingsChanged];
            case "enrolment.codes-renewed" when succeeded:
                return [SecurityNoticeKind.BackupCodesRegenerated];
            case "enrolment.code-issued" when succeeded:
                return [SecurityNoticeKind.EnrolmentCodeIssued];
            case "account.api-token-created" when succeeded:
                return [SecurityNoticeKind.ApiTokenCreated];
            case "account.api-token-revoked" when succeeded:
                return [SecurityNoticeKind.ApiTokenRevoked];
            default:
                return [];
        }
    }

    // Console verbs record their operator as "by <name>" in the detail; the entry's user is the account.
    private static string? ActorFromDetail(AuditEvent entry) =>
        entry.Event.StartsWith("console.", StringComparison.Ordinal) && entry.Detail is { } detail && detail.StartsWith("by ", StringComparison.Ordinal)
            ? "console (" + detail[3..].Split(';', 2)[0].Trim() + ")"
            : null;
}
