namespace NasDash.Features.Setup;

/// <summary>
/// Growing delays after wrong setup tokens, per client address only: a throttle shared by all clients would let a few
/// rotating addresses keep the owner out of the wizard, and the token's 120 bits make guessing hopeless without
/// one. Kept in memory: the token itself persists across restarts.
/// </summary>
public sealed class SetupTokenThrottle(TimeProvider time)
{
    public const int FreeFailuresPerClient = 3;
    public static readonly TimeSpan FirstClientDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxClientDelay = TimeSpan.FromMinutes(5);
    private const int MaxTrackedClients = 10_000;

    private readonly object _gate = new();
    private readonly Dictionary<string, Counter> _clients = new(StringComparer.Ordinal);

    /// <summary>When the next attempt from this client is allowed, or null when it is allowed now.</summary>
    public DateTimeOffset? BlockedUntil(string? client)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var until = _clients.GetValueOrDefault(Key(client)).Until;
            return until > now ? until : null;
        }
    }

    /// <summary>Counts a wrong token; returns when the next attempt is allowed, or null when at once.</summary>
    public DateTimeOffset? Failed(string? client)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_clients.Count >= MaxTrackedClients)
            {
                _clients.Clear();
            }

            var key = Key(client);
            var counter = _clients.GetValueOrDefault(key);
            var failures = counter.Failures + 1;
            _clients[key] = new Counter(failures, Until(now, failures, FreeFailuresPerClient, FirstClientDelay, MaxClientDelay));
            var until = _clients[key].Until;
            return until > now ? until : null;
        }
    }

    public void Succeeded(string? client)
    {
        lock (_gate)
        {
            _clients.Remove(Key(client));
        }
    }

    public static TimeSpan Delay(int failures, int free, TimeSpan first, TimeSpan max)
    {
        if (failures <= free)
        {
            return TimeSpan.Zero;
        }

        var seconds = first.TotalSeconds * Math.Pow(2, Math.Min(failures - free - 1, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, max.TotalSeconds));
    }

    private static DateTimeOffset? Until(DateTimeOffset now, int failures, int free, TimeSpan first, TimeSpan max)
    {
        var delay = Delay(failures, free, first, max);
        return delay > TimeSpan.Zero ? now + delay : null;
    }

    private static string Key(string? client) => string.IsNullOrEmpty(client) ? "unknown" : client;

    private readonly record struct Counter(int Failures, DateTimeOffset? Until);
}
