namespace NasDash.Security.Notices;

/// <summary>The outbox of security notices, durable on return like every store write.</summary>
public interface INoticeOutbox
{
    /// <summary>Notices not yet done, oldest first.</summary>
    IReadOnlyList<OutboxNotice> Pending(int max);
    /// <summary>Saves a notice's delivery state and the audit entries in one transaction.</summary>
    void Save(OutboxNotice notice, params AuditEvent[] audit);
    /// <summary>Queues new notices, joining the open transaction; <see cref="NoticeQueued"/> follows its commit.</summary>
    void Queue(IReadOnlyList<OutboxNotice> notices);
    /// <summary>
    /// Claims the notice's next deliveries for this sender, for at most <paramref name="atMost"/>; null while another
    /// sender (another appliance of a fleet) holds it. Disposing releases the claim.
    /// </summary>
    IDisposable? Claim(OutboxNotice notice, TimeSpan atMost);

    /// <summary>Raised after a commit that queued a notice.</summary>
    event Action? NoticeQueued;
}
