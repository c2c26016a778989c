using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Features.Audit;

/// <summary>Deletes audit events older than NasDash:Audit:RetentionDays, at start-up and then daily.</summary>
public sealed class AuditRetention(IStoreEngine store, NasDashOptions options, TimeProvider time, ILogger<AuditRetention> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>The retention in force: at least one day, so the log is always bounded and never emptied at once by a typo.</summary>
    public TimeSpan Retention => TimeSpan.FromDays(Math.Max(1, options.Audit.RetentionDays));

    public int Prune()
    {
        var removed = store.PruneAudit(time.GetUtcNow() - Retention);
        if (removed > 0)
        {
            logger.LogInformation("Audit retention: deleted {Count} events older than {Days} days.", removed, Retention.TotalDays);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                Prune();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or LiteDB.LiteException)
            {
                logger.LogWarning(ex, "Audit retention could not prune the log; it retries in {Interval}.", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
