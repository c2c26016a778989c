namespace NasDash.Security.Ledger;

/// <summary>Reacts to a lockout event: records its part in the lockout's own commit, then does any slow part after it.</summary>
public interface ILockoutEventHandler
{
    /// <summary>
    /// Inside the transaction that commits the lockout: store writes only (they join it), nothing that waits. Returns
    /// the facts this reaction adds (SSH switched off), whose notices the same commit queues.
    /// </summary>
    IReadOnlyList<SecurityFact> Record(LockoutEvent lockoutEvent);

    /// <summary>After the commit, never inside an account's lock for long: start the slow part (e.g. wake a worker).</summary>
    void Committed(LockoutEvent lockoutEvent)
    {
    }
}

/// <summary>
/// In-process signals for open circuits, which otherwise keep the authentication state they started with: "sessions
/// ended" and "something changed". Lockout facts reach their handlers through <see cref="SecurityLedger"/>.
/// </summary>
public sealed class SecurityEvents
{
    public event Action<Guid>? SessionsEnded;
    public event Action? Changed;

    public void EndSessions(Guid accountId)
    {
        SessionsEnded?.Invoke(accountId);
        Changed?.Invoke();
    }

    public void NotifyChanged() => Changed?.Invoke();
}
