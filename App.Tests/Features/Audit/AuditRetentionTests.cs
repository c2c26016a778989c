using Microsoft.Extensions.Logging.Abstractions;
using NasDash.Features.Audit;
using NasDash.Hosting;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Audit;

/// <summary>Issue 28: retention bounds the log by age and by size, and a wrong clock cannot erase the record.</summary>
public sealed class AuditRetentionTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly WallStepClock _time = new(CoreHarness.Start);
    private readonly NasDashOptions _options = new();
    private readonly LiteDbStore _store;
    private readonly AuditRetention _retention;

    public AuditRetentionTests()
    {
        _store = new LiteDbStore(_data.Path, _time);
        _retention = new AuditRetention(_store, _store, _options, _time, NullLogger<AuditRetention>.Instance);
    }

    public void Dispose()
    {
        _store.Dispose();
        _data.Dispose();
    }

    private void Write(params int[] daysAgo)
    {
        foreach (var days in daysAgo)
        {
            _store.Append(new AuditEvent { At = _time.GetUtcNow().AddDays(-days), Event = AuditNames.LoginPassword.Id, Outcome = $"{days}" });
        }
    }

    private List<string> Kept() => [.. _store.OldestAudit(int.MaxValue).Select(e => e.Event == AuditNames.AuditPruned.Id ? "pruned" : e.Outcome)];

    [Fact]
    public void Prune_EntriesOlderThanTheRetention_DeletesThemOldestFirstAndAuditsIt()
    {
        Write([400, 380, 366, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        Assert.Equal(3, _retention.Prune());

        Assert.Equal(["10", "9", "8"], Kept()[..3]);
        var pruned = _store.Query(new AuditQuery(EventPrefix: AuditNames.AuditPruned.Id)).Single();
        Assert.StartsWith("3 entries deleted, the oldest first, older than 365 days", pruned.Detail, StringComparison.Ordinal);
        Assert.Equal(0, _retention.Prune());
    }

    [Fact]
    public void Prune_StartedFourHundredDaysAhead_DeletesNothing()
    {
        Write(7, 6, 5, 4, 3, 2, 1, 0);
        _time.StepWall(TimeSpan.FromDays(400));

        Assert.Equal(0, _retention.Prune());
        Assert.Equal(8, Kept().Count);
    }

    [Fact]
    public void Prune_ClockAheadWhileEntriesAreWritten_DeletesAtMostAShareAndOnlyThePrefix()
    {
        Write(7, 6, 5, 4, 3, 2, 1, 0);
        _time.StepWall(TimeSpan.FromDays(400));
        // Written with the wrong clock: now every older entry looks 400 days old.
        Write(0, 0);

        Assert.Equal(1, _retention.Prune());
        Assert.Equal(["6", "5", "4", "3", "2", "1", "0", "0", "0", "pruned"], Kept());
    }

    [Fact]
    public void Prune_OldEntryAfterANewOne_NeverDeletesPastAnEntryItKeeps()
    {
        // A clock set back for a while: an entry that looks old was written after one that does not.
        Write(400, 0, 400, 400, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        Assert.Equal(1, _retention.Prune());
        Assert.Equal(["0", "400", "400"], Kept()[..3]);
    }

    [Fact]
    public void Prune_MoreEntriesThanTheSizeBound_DeletesTheExcessOldestFirstAndAuditsIt()
    {
        _options.Audit.MaxEntries = 1_000;
        _store.InTransaction(() => Write([.. Enumerable.Range(0, 1_200).Select(i => i % 3)]));

        Assert.Equal(200, _retention.Prune());

        Assert.Equal(1_001, Kept().Count);
        var pruned = _store.Query(new AuditQuery(EventPrefix: AuditNames.AuditPruned.Id)).Single();
        Assert.StartsWith("200 entries deleted, the oldest first, over the size bound of 1000 entries", pruned.Detail, StringComparison.Ordinal);
    }
}
