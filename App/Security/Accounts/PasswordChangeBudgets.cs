using System.Collections.Concurrent;

namespace NasDash.Security.Accounts;

/// <summary>
/// Wrong current passwords typed into "Change password", per session: a signed-in owner's change is never refused by
/// the untrusted sign-in bucket that strangers can keep paused, and a stolen session still cannot guess the password
/// faster than <see cref="PasswordThrottle"/> allows. Kept in memory: a session is at most one absolute lifetime long.
/// </summary>
public sealed class PasswordChangeBudgets(TimeProvider time)
{
    private const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, PasswordBudget> _sessions = new(StringComparer.Ordinal);

    public DateTimeOffset? PausedUntil(string session) =>
        _sessions.TryGetValue(session, out var budget) ? budget.PausedAt(time.GetUtcNow()) : null;

    /// <summary>Counts a wrong current password; returns the pause it starts, if any.</summary>
    public DateTimeOffset? Failed(string session)
    {
        if (_sessions.Count >= MaxSessions)
        {
            _sessions.Clear();
        }

        var now = time.GetUtcNow();
        return _sessions.AddOrUpdate(session, _ => PasswordBudget.Full.Failed(now), (_, budget) => budget.Failed(now)).PausedUntil;
    }

    public void Succeeded(string session) => _sessions.TryRemove(session, out _);
}
