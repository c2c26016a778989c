using System.Threading.RateLimiting;

namespace NasDash.Security.SignIn;

/// <summary>
/// A token bucket per key that only failures drain: a burst of failures, then one more per period. The one
/// mechanism behind the sign-in <see cref="AddressThrottle"/> and the API's wrong-token throttle.
/// </summary>
public sealed class FailureBuckets : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _period;
    private readonly PartitionedRateLimiter<string> _failures;

    public FailureBuckets(TimeProvider time, int burst, TimeSpan period)
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

    /// <summary>The period after which one more failure is allowed; a paused key waits at most this long for it.</summary>
    public TimeSpan Period => _period;

    /// <summary>Until when this key is paused (its bucket is empty); null when it may try.</summary>
    public DateTimeOffset? PausedUntil(string key)
    {
        // Probing with zero permits reports success even on an empty bucket, so read the count instead.
        if (_failures.GetStatistics(key) is not { CurrentAvailablePermits: <= 0 })
        {
            return null;
        }

        using var refused = _failures.AttemptAcquire(key, 1);
        return refused.IsAcquired ? null : _time.GetUtcNow() + (refused.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : _period);
    }

    public void Failed(string key)
    {
        using var _ = _failures.AttemptAcquire(key, 1);
    }

    public void Dispose() => _failures.Dispose();
}
