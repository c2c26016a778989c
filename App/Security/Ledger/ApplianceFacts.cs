namespace NasDash.Security.Ledger;

/// <summary>
/// The road of a fact about the appliance itself (SSH switched off or on, the Global Two Factor settings): one
/// transaction commits the caller's writes, the audit entry and the notices the fact raises.
/// </summary>
public sealed class ApplianceFacts(IStoreTransactions store, IAuditLog audit, INoticeOutbox outbox, SecurityEvents events,
    ReportLinks? reportLinks = null)
{
    public void Commit(SecurityFact fact, AuditEvent entry, Action? writes = null)
    {
        store.InTransaction(() =>
        {
            writes?.Invoke();
            audit.Append(entry);
            var notices = SecurityNoticeRules.For([fact], entry, account: null);
            reportLinks?.Attach(notices, account: null);
            outbox.Queue(notices);
        });
        events.NotifyChanged();
    }
}
