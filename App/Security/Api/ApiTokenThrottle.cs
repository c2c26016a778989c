using System.Threading.RateLimiting;

namespace NasDash.Security.Api;

/// <summary>
/// Wrong API tokens, counted per client address and per token prefix: a token bucket each that only failures drain,
/// shaped like the sign-in <see cref="AddressThrottle"/> but apart from it, so a flood of wrong tokens never takes
/// a turn or a failure from anyone's sign-in. A valid token is never refused here: only guesses are throttled.
/// </summary>
public sealed class ApiTokenThrottle : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _period;
    private readonly PartitionedRateLimiter<string> _failures;

    public ApiTokenThrottle(TimeProvider time)
        : this(time, AddressThrottle.FailureBurst, AddressThrottle.ReplenishmentPeriod)
    {
    }

    internal ApiTokenThrottle(TimeProvider time, int burst, TimeSpan period)
    {
        _time = time;
        _period = period;
        _failures = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Until when wrong tokens from this address, or with this prefix, are refused unevaluated; null when not paused.</summary>
    public DateTimeOffset? PausedUntil(string? client, string prefix) =>
        Paused(AddressKey(client)) ?? Paused(PrefixKey(prefix));

    public void Failed(string? client, string prefix)
    {
        using var byAddress = _failures.AttemptAcquire(AddressKey(client), 1);
        using var byPrefix = _failures.AttemptAcquire(PrefixKey(prefix), 1);
    }

    public void Dispose() => _failures.Dispose();

    private static string AddressKey(string? client) => "address:" + (client ?? "unknown");

    private static string PrefixKey(string prefix) => "prefix:" + prefix;

    private DateTimeOffset? Paused(string key)
    {
        // Probing with zero permits reports success even on an empty bucket, so read the count instead.
        if (_failures.GetStatistics(key) is not { CurrentAvailablePermits: <= 0 })
        {
            return null;
        }

        using var refused = _failures.AttemptAcquire(key, 1);
        return refused.IsAcquired ? null : _time.GetUtcNow() + (refused.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : _period);
    }
}
