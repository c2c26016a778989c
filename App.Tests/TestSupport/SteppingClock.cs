namespace NasDash.Tests.TestSupport;

/// <summary>The real clock plus an offset that a test moves forward, so time both passes and can be skipped.</summary>
public sealed class SteppingClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
