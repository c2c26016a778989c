namespace NasDash.Security.Notices;

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
    /// <summary>
    /// The notification address the notice's fact was about, while the commit routes it (<see cref="NotificationAddressRouting"/>);
    /// not stored.
    /// </summary>
    public DeliveryAddress? AboutAddress { get; set; }
    /// <summary>Set once the sender has decided which of the appliance's targets this notice goes to.</summary>
    public bool Routed { get; set; }
    public List<NoticeDelivery> Deliveries { get; set; } = [];
    /// <summary>Set when every delivery has been made or given up: the notice leaves the queue.</summary>
    public DateTimeOffset? DoneAt { get; set; }
}

/// <summary>One target's delivery of a notice.</summary>
public sealed class NoticeDelivery
{
    /// <summary>"email" or "webhook" (the appliance's targets), or <c>address:&lt;id&gt;</c> for an administrator's own address.</summary>
    public string Target { get; set; } = "";
    /// <summary>For a delivery to an administrator's own address: that address as it was when the notice was queued.</summary>
    public DeliveryAddress? Address { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? GaveUpAt { get; set; }
    public string? LastError { get; set; }
    public bool Finished => DeliveredAt is not null || GaveUpAt is not null;
}
