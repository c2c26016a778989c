using System.Diagnostics;

namespace NasDash.Tests.TestSupport;

/// <summary>The real clock plus an offset that a test moves forward, so time both passes and can be skipped.</summary>
public sealed class SteppingClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    // Skipped time is time that passed, for monotonic deadlines too.
    public override long GetTimestamp() =>
        base.GetTimestamp() + (long)(Interlocked.Read(ref _offsetTicks) * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
