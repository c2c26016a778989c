namespace NasDash.Security.SignIn;

/// <summary>
/// Sign-in attempts refused unevaluated (a paused password budget or a paused address), per account, in memory:
/// the owner sees an attack in progress ("N sign-in attempts refused in the last hour") without a durable write per
/// refused request. At most one summary audit entry per account per <see cref="SummaryInterval"/>.
/// </summary>
public sealed class RefusedSignIns(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromHours(1);

    private const int Buckets = 60;
    private static readonly TimeSpan BucketWidth = Window / Buckets;

    private readonly Dictionary<Guid, Tally> _tallies = [];
    private readonly Lock _gate = new();

    /// <summary>A summary audit entry is due: <paramref name="Count"/> refusals since <paramref name="Since"/> (the previous summary, or the first refusal).</summary>
    public sealed record SummaryDue(int Count, DateTimeOffset Since);

    /// <summary>Raised for every refused attempt (for the metrics).</summary>
    public event Action? Recorded;

    /// <summary>Counts one refused attempt; returns the summary to audit when none was written in the last <see cref="SummaryInterval"/>.</summary>
    public SummaryDue? Record(Guid accountId)
    {
        Recorded?.Invoke();
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_tallies.TryGetValue(accountId, out var tally))
            {
                _tallies[accountId] = tally = new Tally(now);
            }

            tally.Add(now);
            tally.SinceSummary++;
            if (tally.LastSummaryAt is { } last && now - last < SummaryInterval && now >= last)
            {
                return null;
            }

            var due = new SummaryDue(tally.SinceSummary, tally.LastSummaryAt ?? now);
            tally.LastSummaryAt = now;
            tally.SinceSummary = 0;
            return due;
        }
    }

    /// <summary>Refused attempts for the account within the last hour.</summary>
    public int InLastHour(Guid accountId)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _tallies.TryGetValue(accountId, out var tally) ? tally.Count(now) : 0;
        }
    }

    /// <summary>Forgets an account (deleted).</summary>
    public void Forget(Guid accountId)
    {
        lock (_gate)
        {
            _tallies.Remove(accountId);
        }
    }

    /// <summary>A ring of minute buckets covering the last hour.</summary>
    private sealed class Tally(DateTimeOffset origin)
    {
        private readonly long[] _slots = new long[Buckets];
        private readonly int[] _counts = new int[Buckets];

        public DateTimeOffset? LastSummaryAt { get; set; }
        public int SinceSummary { get; set; }

        public void Add(DateTimeOffset now)
        {
            var slot = SlotOf(now);
            var index = (int)(((slot % Buckets) + Buckets) % Buckets);
            if (_slots[index] != slot)
            {
                _slots[index] = slot;
                _counts[index] = 0;
            }

            _counts[index]++;
        }

        public int Count(DateTimeOffset now)
        {
            var current = SlotOf(now);
            var total = 0;
            for (var i = 0; i < Buckets; i++)
            {
                if (_counts[i] > 0 && _slots[i] > current - Buckets && _slots[i] <= current)
                {
                    total += _counts[i];
                }
            }

            return total;
        }

        private long SlotOf(DateTimeOffset at) => (long)Math.Floor((at - origin) / BucketWidth);
    }
}

/// <summary>The one wording of a refused-attempts count, for the dashboard and the console.</summary>
public static class RefusedSignInsText
{
    public static string InLastHour(int count) =>
        count == 1 ? "1 sign-in attempt refused in the last hour" : $"{count} sign-in attempts refused in the last hour";
}
