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
    // Monotonic timestamps (TimeProvider.GetTimestamp): setting the wall clock neither ends a session nor keeps one alive.
    private readonly ConcurrentDictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private long _changes;

    /// <param name="Last">When it was last used.</param>
    /// <param name="Started">When it was signed in; null for a session restored from before a restart until first judged.</param>
    private readonly record struct Seen(long Last, long? Started);

    public TimeSpan IdleTimeout => options.Session.IdleTimeout;

    /// <summary>Grows with every recorded change, so a saver can tell whether there is anything new to save.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    public void Start(string sessionId)
    {
        Sweep();
        var now = time.GetTimestamp();
        _seen[sessionId] = new Seen(now, now);
        Interlocked.Increment(ref _changes);
    }

    /// <summary>Records a use of a live session; an idle one stays idle.</summary>
    public void Touch(string? sessionId)
    {
        if (sessionId is null || !_seen.TryGetValue(sessionId, out var seen))
        {
            return;
        }

        if (time.GetElapsedTime(seen.Last) < IdleTimeout && _seen.TryUpdate(sessionId, seen with { Last = time.GetTimestamp() }, seen))
        {
            Interlocked.Increment(ref _changes);
        }
    }

    /// <summary>How long ago the session was last used, or null when this server has no record of it (ended, or never seen).</summary>
    public TimeSpan? IdleFor(string? sessionId) =>
        sessionId is not null && _seen.TryGetValue(sessionId, out var seen) ? time.GetElapsedTime(seen.Last) : null;

    /// <summary>When the session was last used, by today's wall clock; null when this server has no record of it.</summary>
    public DateTimeOffset? LastSeen(string? sessionId) => IdleFor(sessionId) is { } idle ? time.GetUtcNow() - idle : null;

    public bool IsActive(string? sessionId) => IdleFor(sessionId) < IdleTimeout;

    /// <summary>
    /// How long ago the session was signed in: on monotonic time when this server saw the sign-in (or has judged the
    /// session once since a restart); else from the cookie's <paramref name="issuedAt"/>, where a time in the future (a
    /// clock set back) counts as now.
    /// </summary>
    public TimeSpan SignedInFor(string? sessionId, DateTimeOffset issuedAt)
    {
        var age = Clamp(time.GetUtcNow() - issuedAt);
        if (sessionId is null || !_seen.TryGetValue(sessionId, out var seen))
        {
            return age;
        }

        if (seen.Started is { } started)
        {
            return time.GetElapsedTime(started);
        }

        _seen.TryUpdate(sessionId, seen with { Started = StampOf(age) }, seen);
        return age;
    }

    public void End(string? sessionId)
    {
        if (sessionId is not null && _seen.TryRemove(sessionId, out _))
        {
            Interlocked.Increment(ref _changes);
        }
    }

    /// <summary>Every session that may still be signed in (within the absolute lifetime), with its last use by today's wall clock.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Recorded()
    {
        var now = time.GetUtcNow();
        return _seen.Select(entry => (entry.Key, Idle: time.GetElapsedTime(entry.Value.Last)))
            .Where(entry => entry.Idle < options.Session.AbsoluteLifetime)
            .ToDictionary(entry => entry.Key, entry => now - entry.Idle, StringComparer.Ordinal);
    }

    /// <summary>
    /// Takes back what an earlier run of the server saved; a later use seen meanwhile wins. A last use in the future
    /// (a clock set back across the restart) counts as now.
    /// </summary>
    public void Restore(IReadOnlyDictionary<string, DateTimeOffset> saved)
    {
        var now = time.GetUtcNow();
        foreach (var (id, last) in saved)
        {
            var idle = Clamp(now - last);
            if (idle < options.Session.AbsoluteLifetime)
            {
                var restored = new Seen(StampOf(idle), null);
                _seen.AddOrUpdate(id, restored, (_, seen) => seen.Last > restored.Last ? seen : restored);
            }
        }
    }

    private static TimeSpan Clamp(TimeSpan age) => age < TimeSpan.Zero ? TimeSpan.Zero : age;

    /// <summary>The monotonic timestamp of a moment <paramref name="ago"/> before now.</summary>
    private long StampOf(TimeSpan ago) => time.GetTimestamp() - (long)(ago.TotalSeconds * time.TimestampFrequency);

    // An idle session is kept until the absolute lifetime is over, so that its end is audited as idle, not as unknown.
    private void Sweep()
    {
        foreach (var (id, seen) in _seen)
        {
            if (time.GetElapsedTime(seen.Last) >= options.Session.AbsoluteLifetime)
            {
                _seen.TryRemove(id, out _);
            }
        }
    }
}
