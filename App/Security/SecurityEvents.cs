namespace NasDash.Security;

public enum LockoutEventKind
{
    /// <summary>The first backup-code submission of a recovery.</summary>
    RecoveryStarted,
    /// <summary>T consecutive TOTP failures moved the account to Recovery.</summary>
    MovedToRecovery,
    SuperLocked,
    /// <summary>Someone holding a notice about the account reported it as not theirs ("This wasn't me").</summary>
    ReportedNotMine,
}

public sealed record LockoutEvent(LockoutEventKind Kind, Guid AccountId, string UserName, string? ClientAddress, DateTimeOffset At);

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
public sealed class SecurityEvents(TimeProvider time)
{
    public event Action<Guid>? SessionsEnded;
    public event Action? Changed;

    public void EndSessions(Guid accountId)
    {
        SessionsEnded?.Invoke(accountId);
        Changed?.Invoke();
    }

    /// <summary>How long a browser that changed its own credentials gets to leave for its sign-in ticket.</summary>
    public static readonly TimeSpan HandOverDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Ends the sessions shortly, for a change made from the user's own browser: ending them at once would turn
    /// that browser's live circuit to the login page and cancel its navigation to the new sign-in ticket. Other
    /// sessions lose nothing: their cookie already fails the stamp check at their next request.
    /// </summary>
    public void EndSessionsSoon(Guid accountId) =>
        _ = Task.Delay(HandOverDelay, time).ContinueWith(_ => EndSessions(accountId), TaskScheduler.Default);

    public void NotifyChanged() => Changed?.Invoke();
}
