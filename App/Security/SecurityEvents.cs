namespace NasDash.Security;

public enum LockoutEventKind
{
    /// <summary>The first backup-code submission of a recovery.</summary>
    RecoveryStarted,
    /// <summary>T consecutive TOTP failures moved the account to Recovery.</summary>
    MovedToRecovery,
    SuperLocked,
}

public sealed record LockoutEvent(LockoutEventKind Kind, Guid AccountId, string UserName, string? ClientAddress, DateTimeOffset At);

/// <summary>Reacts to a lockout event after it is committed (SSH shut-off, alerts).</summary>
public interface ILockoutEventHandler
{
    void Handle(LockoutEvent lockoutEvent);
}

/// <summary>
/// In-process signals: lockout events for the handlers, and "sessions ended" for open circuits,
/// which otherwise keep the authentication state they started with.
/// </summary>
public sealed class SecurityEvents(IEnumerable<ILockoutEventHandler> handlers, IAuditLog audit, TimeProvider time)
{
    public event Action<Guid>? SessionsEnded;
    public event Action? Changed;

    public void PublishLockout(LockoutEvent lockoutEvent)
    {
        foreach (var handler in handlers)
        {
            try
            {
                handler.Handle(lockoutEvent);
            }
            catch (Exception ex)
            {
                // A failing reaction (e.g. SSH not reachable) must never undo or hide the lockout itself.
                audit.Append(new AuditEvent
                {
                    At = time.GetUtcNow(),
                    UserName = lockoutEvent.UserName,
                    Event = "lockout.handler",
                    Outcome = "failed",
                    Detail = $"{handler.GetType().Name}: {ex.Message}",
                });
            }
        }

        Changed?.Invoke();
    }

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
