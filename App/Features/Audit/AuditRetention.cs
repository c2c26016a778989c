using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Features.Audit;

/// <summary>
/// Prunes the audit log at start-up and then daily: entries older than NasDash:Audit:RetentionDays, and the oldest beyond
/// NasDash:Audit:MaxEntries. A clock that is wrong cannot erase the record: only the oldest entries go (never one
/// written after an entry that stays), age counts from the newest entry when the clock is ahead of it, at most
/// <see cref="MaxShareByAge"/> of the log goes by age in one pass, and every pass that deletes is itself audited.
/// </summary>
public sealed class AuditRetention(IStoreEngine store, IAuditLog log, NasDashOptions options, TimeProvider time, ILogger<AuditRetention> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>The largest share of the log one pass deletes by age (the size bound is not bounded by it: a count cannot be wrong).</summary>
    public const double MaxShareByAge = 0.1;

    /// <summary>Entries one pass looks at; a larger excess is worked off over the following passes.</summary>
    public const int MaxPerPass = 50_000;

    /// <summary>The retention in force: at least one day, so the log is always bounded and never emptied at once by a typo.</summary>
    public TimeSpan Retention => RetentionOf(options.Audit);

    /// <summary>The size bound in force: at least 1,000 entries.</summary>
    public int MaxEntries => MaxEntriesOf(options.Audit);

    public static TimeSpan RetentionOf(AuditOptions audit) => TimeSpan.FromDays(Math.Max(1, audit.RetentionDays));

    public static int MaxEntriesOf(AuditOptions audit) => Math.Max(1_000, audit.MaxEntries);

    public int Prune()
    {
        var total = log.Count(new AuditQuery());
        var bySize = Math.Max(0, total - MaxEntries);
        var byAgeAtMost = (int)Math.Ceiling(total * MaxShareByAge);
        var oldest = store.OldestAudit(Math.Min(MaxPerPass, Math.Max(bySize, byAgeAtMost)));
        if (oldest.Count == 0)
        {
            return 0;
        }

        // A clock ahead of every entry (started 400 days ahead, say) ages nothing the log has not itself seen age.
        var now = time.GetUtcNow();
        var newest = log.Query(new AuditQuery(Take: 1))[0].At;
        var cutoff = (newest < now ? newest : now) - Retention;
        var byAge = oldest.Take(byAgeAtMost).TakeWhile(e => e.At < cutoff).Count();
        var count = Math.Min(oldest.Count, Math.Max(byAge, bySize));
        if (count == 0)
        {
            return 0;
        }

        var (first, last) = (oldest[0], oldest[count - 1]);
        var why = bySize > byAge
            ? $"over the size bound of {MaxEntries} entries"
            : $"older than {Retention.TotalDays} days (before {cutoff:yyyy-MM-dd HH:mm:ss} UTC)";
        var removed = store.PruneAudit(last.Id, new AuditEvent
        {
            At = now,
            Event = AuditNames.AuditPruned.Id,
            Outcome = "pruned",
            Detail = $"{count} entries deleted, the oldest first, {why}: written {first.At:yyyy-MM-dd HH:mm:ss} to {last.At:yyyy-MM-dd HH:mm:ss} UTC; {total - count} kept",
        });
        logger.LogInformation("Audit retention: deleted {Count} entries {Why}.", removed, why);
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
            catch (Exception ex) when (ex is IOException or InvalidOperationException or LiteDB.LiteException or StoreUnavailableException)
            {
                logger.LogWarning(ex, "Audit retention could not prune the log; it retries in {Interval}.", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
