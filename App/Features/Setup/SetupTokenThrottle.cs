namespace NasDash.Features.Setup;

/// <summary>
/// Growing delays after wrong setup tokens: per client, so one noisy host cannot lock the owner out, and
/// globally (with more free attempts), so many hosts together gain nothing. Kept in memory: the token itself
/// persists across restarts and has 120 bits, so the throttle only has to make guessing pointless.
/// </summary>
public sealed class SetupTokenThrottle(TimeProvider time)
{
    public const int FreeFailuresPerClient = 3;
    public const int FreeFailuresOverall = 20;
    public static readonly TimeSpan FirstClientDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxClientDelay = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan FirstOverallDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxOverallDelay = TimeSpan.FromMinutes(1);
    private const int MaxTrackedClients = 10_000;

    private readonly object _gate = new();
    private readonly Dictionary<string, Counter> _clients = new(StringComparer.Ordinal);
    private Counter _overall;

    /// <summary>When the next attempt from this client is allowed, or null when it is allowed now.</summary>
    public DateTimeOffset? BlockedUntil(string? client)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var until = Later(_clients.GetValueOrDefault(Key(client)).Until, _overall.Until);
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
            var overall = _overall.Failures + 1;
            _overall = new Counter(overall, Until(now, overall, FreeFailuresOverall, FirstOverallDelay, MaxOverallDelay));
            var until = Later(_clients[key].Until, _overall.Until);
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

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;

    private static string Key(string? client) => string.IsNullOrEmpty(client) ? "unknown" : client;

    private readonly record struct Counter(int Failures, DateTimeOffset? Until);
}
