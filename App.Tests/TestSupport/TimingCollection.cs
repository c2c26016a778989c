using System.Diagnostics;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// Tests that compare timings. xunit runs a collection with parallelisation disabled on its own, after the
/// parallel ones, so other tests do not skew the figures. Keep ratios generous: the machine is shared.
/// </summary>
[CollectionDefinition(nameof(TimingCollection), DisableParallelization = true)]
public sealed class TimingCollection
{
    /// <summary>
    /// The fastest wall time of each action over <paramref name="tries"/> rounds, the actions interleaved. Other
    /// processes on the machine only ever add time, so the fastest run is the steadiest figure of what the code costs
    /// (medians still moved by 2x on a loaded CI machine).
    /// </summary>
    public static async Task<TimeSpan[]> InterleavedFastest(int tries, params Func<Task>[] actions)
    {
        var samples = actions.Select(_ => new List<TimeSpan>(tries)).ToArray();
        for (var i = 0; i < tries; i++)
        {
            for (var a = 0; a < actions.Length; a++)
            {
                var watch = Stopwatch.StartNew();
                await actions[a]();
                samples[a].Add(watch.Elapsed);
            }
        }

        return [.. samples.Select(s => s.Min())];
    }
}
