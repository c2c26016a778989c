using Microsoft.Extensions.Diagnostics.HealthChecks;
using NasDash.Storage;

namespace NasDash.Features.Health;

/// <summary>
/// Whether a durable write reaches the store. The write takes the store's one write lock and an fsync, so it runs at
/// most once per <see cref="CheckedAtMostEvery"/> however many callers ask; everyone else gets the cached answer, unless
/// a write of the store has failed or succeeded since.
/// </summary>
public sealed class StoreWritableCheck(IStoreEngine store, TimeProvider time) : IHealthCheck, IDisposable
{
    public static readonly TimeSpan CheckedAtMostEvery = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Checked? _last;

    private sealed record Checked(DateTimeOffset At, HealthCheckResult Result);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (Fresh() is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } checkedMeanwhile)
            {
                return checkedMeanwhile;
            }

            var result = store.IsWritable()
                ? HealthCheckResult.Healthy("The store takes durable writes.")
                : HealthCheckResult.Unhealthy("The store does not take writes: the appliance's disk is full or read-only.");
            _last = new Checked(time.GetUtcNow(), result);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    // A write that failed or succeeded since the last check makes that check stale, so readiness follows the store at once.
    private HealthCheckResult? Fresh() =>
        _last is { } last && time.GetUtcNow() - last.At < CheckedAtMostEvery && (last.Result.Status == HealthStatus.Healthy) == store.TakesWrites
            ? last.Result
            : null;

    public void Dispose() => _gate.Dispose();
}
