namespace NasDash.Security.SignIn;

/// <summary>
/// Sign-in attempts refused unevaluated (a paused password budget or a paused address), per account, in memory:
/// the owner sees an attack in progress ("N sign-in attempts refused in the last hour") without a durable write per
/// refused request. At most one summary audit entry per account per <see cref="SummaryInterval"/>. The window and the
/// interval are measured on monotonic time: setting the wall clock neither floods the log nor silences it.
/// </summary>
public sealed class RefusedSignIns(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromHours(1);

    private const int Buckets = 60;
    private static readonly TimeSpan BucketWidth = Window / Buckets;

    // Tallies of unknown user names kept at most; beyond it they are forgotten (their next failure is audited again).
    private const int MaxUnknownNames = 10_000;

    private readonly Dictionary<string, Tally> _tallies = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _unknownNames;

    /// <summary>A summary audit entry is due: <paramref name="Count"/> refusals since <paramref name="Since"/> (the previous summary, or the first refusal).</summary>
    public sealed record SummaryDue(int Count, DateTimeOffset Since);

    /// <summary>Raised for every refused attempt (for the metrics).</summary>
    public event Action? Recorded;

    /// <summary>Counts one refused attempt; returns the summary to audit when none was written in the last <see cref="SummaryInterval"/>.</summary>
    public SummaryDue? Record(Guid accountId)
    {
        Recorded?.Invoke();
        return Count(AccountKey(accountId), unknownName: false);
    }

    /// <summary>
    /// Counts one wrong password for a user name that does not exist, from one address: the same summaries, one audit
    /// entry per name and address per <see cref="SummaryInterval"/> at most, so a guessing run cannot grow the log.
    /// </summary>
    public SummaryDue? RecordUnknownName(string normalizedName, string? client) =>
        Count(string.Concat("?", normalizedName, "\n", client), unknownName: true);

    /// <summary>Refused attempts for the account within the last hour.</summary>
    public int InLastHour(Guid accountId)
    {
        lock (_gate)
        {
            return _tallies.TryGetValue(AccountKey(accountId), out var tally) ? tally.Count(time) : 0;
        }
    }

    /// <summary>Forgets an account (deleted).</summary>
    public void Forget(Guid accountId)
    {
        lock (_gate)
        {
            _tallies.Remove(AccountKey(accountId));
        }
    }

    private static string AccountKey(Guid accountId) => accountId.ToString("N");

    private SummaryDue? Count(string key, bool unknownName)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_tallies.TryGetValue(key, out var tally))
            {
                if (unknownName && ++_unknownNames > MaxUnknownNames)
                {
                    foreach (var stale in _tallies.Keys.Where(k => k.StartsWith('?')).ToList())
                    {
                        _tallies.Remove(stale);
                    }

                    _unknownNames = 1;
                }

                _tallies[key] = tally = new Tally(time.GetTimestamp());
            }

            tally.Add(time);
            tally.SinceSummary++;
            if (tally.LastSummary is { } last && time.GetElapsedTime(last) < SummaryInterval)
            {
                return null;
            }

            var due = new SummaryDue(tally.SinceSummary, tally.LastSummaryAt ?? now);
            tally.LastSummary = time.GetTimestamp();
            tally.LastSummaryAt = now;
            tally.SinceSummary = 0;
            return due;
        }
    }

    /// <summary>A ring of minute buckets covering the last hour, on monotonic time from <paramref name="origin"/>.</summary>
    private sealed class Tally(long origin)
    {
        private readonly long[] _slots = new long[Buckets];
        private readonly int[] _counts = new int[Buckets];

        /// <summary>The monotonic timestamp of the last summary, and its wall time for the next summary's text.</summary>
        public long? LastSummary { get; set; }
        public DateTimeOffset? LastSummaryAt { get; set; }
        public int SinceSummary { get; set; }

        public void Add(TimeProvider time)
        {
            var slot = SlotOf(time);
            var index = (int)(slot % Buckets);
            if (_slots[index] != slot)
            {
                _slots[index] = slot;
                _counts[index] = 0;
            }

            _counts[index]++;
        }

        public int Count(TimeProvider time)
        {
            var current = SlotOf(time);
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

        private long SlotOf(TimeProvider time) => (long)(time.GetElapsedTime(origin) / BucketWidth);
    }
}

/// <summary>The one wording of a refused-attempts count, for the dashboard and the console.</summary>
public static class RefusedSignInsText
{
    public static string InLastHour(int count) =>
        count == 1 ? "1 sign-in attempt refused in the last hour" : $"{count} sign-in attempts refused in the last hour";
}
