using System.Collections.Concurrent;
using NasDash.Hosting;

namespace NasDash.Features.Sessions;

/// <summary>
/// When each signed-in session was last used (an HTTP request, or what a person did in one of its circuits as
/// <see cref="PersonActivity"/> reports it), for the
/// idle timeout: a circuit sends no HTTP request, so the cookie's own expiry cannot see that a user is busy,
/// nor that an open tab was left alone. Kept in memory: after a restart every session signs in again.
/// </summary>
public sealed class SessionActivity(TimeProvider time, NasDashOptions options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);

    public TimeSpan IdleTimeout => options.Session.IdleTimeout;

    public void Start(string sessionId)
    {
        Sweep();
        _lastSeen[sessionId] = time.GetUtcNow();
    }

    /// <summary>Records a use of a live session; an idle one stays idle.</summary>
    public void Touch(string? sessionId)
    {
        if (sessionId is null || !_lastSeen.TryGetValue(sessionId, out var last))
        {
            return;
        }

        var now = time.GetUtcNow();
        if (now - last < IdleTimeout && now > last)
        {
            _lastSeen.TryUpdate(sessionId, now, last);
        }
    }

    public bool IsActive(string? sessionId) =>
        sessionId is not null && _lastSeen.TryGetValue(sessionId, out var last) && time.GetUtcNow() - last < IdleTimeout;

    public void End(string? sessionId)
    {
        if (sessionId is not null)
        {
            _lastSeen.TryRemove(sessionId, out _);
        }
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (id, last) in _lastSeen)
        {
            if (now - last >= IdleTimeout)
            {
                _lastSeen.TryRemove(id, out _);
            }
        }
    }
}
