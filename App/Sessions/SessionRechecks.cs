namespace NasDash.Sessions;

/// <summary>One periodic re-check of an open page's session: whose, when it began, and whether the page stays signed in.</summary>
public readonly record struct SessionRecheck(Guid? AccountId, DateTimeOffset At, bool Kept);

/// <summary>
/// The periodic re-checks of open pages as they happen (<see cref="SessionRevalidation"/>, every few seconds per
/// circuit): a test that expects a session to stay waits for the next one instead of sleeping through the interval.
/// </summary>
public sealed class SessionRechecks
{
    public event Action<SessionRecheck>? Made;

    internal void Report(SessionRecheck recheck) => Made?.Invoke(recheck);
}
