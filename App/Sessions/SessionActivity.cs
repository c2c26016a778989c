using System.Collections.Concurrent;
using NasDash.Hosting;

namespace NasDash.Sessions;

/// <summary>
/// When each signed-in session was last used (an HTTP request, or what a person did in one of its circuits as
/// <see cref="PersonActivity"/> reports it), for the idle timeout: a circuit sends no HTTP request, so the cookie's own
/// expiry cannot see that a user is busy, nor that an open tab was left alone. <see cref="SessionActivityFile"/> keeps a
/// copy across a restart, so a restart ends no session that is within both limits.
/// </summary>
public sealed class SessionActivity(TimeProvider time, NasDashOptions options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);
    private long _changes;

    public TimeSpan IdleTimeout => options.Session.IdleTimeout;

    /// <summary>Grows with every recorded change, so a saver can tell whether there is anything new to save.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    public void Start(string sessionId)
    {
        Sweep();
        _lastSeen[sessionId] = time.GetUtcNow();
        Interlocked.Increment(ref _changes);
    }

    /// <summary>Records a use of a live session; an idle one stays idle.</summary>
    public void Touch(string? sessionId)
    {
        if (sessionId is null || !_lastSeen.TryGetValue(sessionId, out var last))
        {
            return;
        }

        var now = time.GetUtcNow();
        if (now - last < IdleTimeout && now > last && _lastSeen.TryUpdate(sessionId, now, last))
        {
            Interlocked.Increment(ref _changes);
        }
    }

    /// <summary>When the session was last used, or null when this server has no record of it (ended, or never seen).</summary>
    public DateTimeOffset? LastSeen(string? sessionId) =>
        sessionId is not null && _lastSeen.TryGetValue(sessionId, out var last) ? last : null;

    public bool IsActive(string? sessionId) => LastSeen(sessionId) is { } last && time.GetUtcNow() - last < IdleTimeout;

    public void End(string? sessionId)
    {
        if (sessionId is not null && _lastSeen.TryRemove(sessionId, out _))
        {
            Interlocked.Increment(ref _changes);
        }
    }

    /// <summary>Every session that may still be signed in (within the absolute lifetime), with its last use.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Recorded()
    {
        var now = time.GetUtcNow();
        return _lastSeen.Where(entry => now - entry.Value < options.Session.AbsoluteLifetime).ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>Takes back what an earlier run of the server saved; a later use seen meanwhile wins.</summary>
    public void Restore(IReadOnlyDictionary<string, DateTimeOffset> saved)
    {
        var now = time.GetUtcNow();
        foreach (var (id, last) in saved)
        {
            if (now - last < options.Session.AbsoluteLifetime && last <= now)
            {
                _lastSeen.AddOrUpdate(id, last, (_, seen) => seen > last ? seen : last);
            }
        }
    }

    // An idle session is kept until the absolute lifetime is over, so that its end is audited as idle, not as unknown.
    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (id, last) in _lastSeen)
        {
            if (now - last >= options.Session.AbsoluteLifetime)
            {
                _lastSeen.TryRemove(id, out _);
            }
        }
    }
}
