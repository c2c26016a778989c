using System.Threading.RateLimiting;

namespace NasDash.Security.SignIn;

/// <summary>
/// Throttles failed password attempts per client address, on top of the per-account throttle of the core:
/// a token bucket per address that only failures drain, and one attempt at a time per address so parallel
/// requests cannot all pass the check before any failure is recorded.
/// </summary>
public sealed class AddressThrottle : IDisposable
{
    /// <summary>Failures an address may make in a burst before it must wait.</summary>
    public const int FailureBurst = 20;
    /// <summary>After the burst, one more attempt per period.</summary>
    public static readonly TimeSpan ReplenishmentPeriod = TimeSpan.FromSeconds(15);
    /// <summary>Attempts from one address waiting for their turn; more are refused at once.</summary>
    public const int QueueLimit = 4;

    private readonly TimeProvider _time;
    private readonly FailureBuckets _failures;
    private readonly PartitionedRateLimiter<string> _turns;

    public AddressThrottle(TimeProvider time)
        : this(time, FailureBurst, ReplenishmentPeriod)
    {
    }

    internal AddressThrottle(TimeProvider time, int burst, TimeSpan period)
    {
        _time = time;
        _failures = new FailureBuckets(time, burst, period);
        _turns = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetConcurrencyLimiter(client, _ =>
            new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = QueueLimit, QueueProcessingOrder = QueueProcessingOrder.OldestFirst }));
    }

    /// <summary>Waits for this address's turn. Dispose the turn when the attempt is judged.</summary>
    public async Task<AddressTurn> BeginAsync(string? client, CancellationToken cancellationToken = default)
    {
        var key = client ?? "unknown";
        var turn = await _turns.AcquireAsync(key, 1, cancellationToken);
        if (!turn.IsAcquired)
        {
            turn.Dispose();
            return new AddressTurn(this, key, null, _time.GetUtcNow() + _failures.Period);
        }

        return new AddressTurn(this, key, turn, _failures.PausedUntil(key));
    }

    public void Dispose()
    {
        _failures.Dispose();
        _turns.Dispose();
    }

    /// <summary>One attempt from one address.</summary>
    public sealed class AddressTurn(AddressThrottle owner, string key, RateLimitLease? lease, DateTimeOffset? pausedUntil) : IDisposable
    {
        /// <summary>Set when the address must wait: the attempt must not be made.</summary>
        public DateTimeOffset? PausedUntil { get; } = pausedUntil;

        public void Failed() => owner._failures.Failed(key);

        public void Dispose() => lease?.Dispose();
    }
}
