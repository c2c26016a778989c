using Microsoft.Extensions.Time.Testing;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// A fake clock whose wall time can be set like a real one (NTP, an administrator) while monotonic time goes on
/// undisturbed: <see cref="FakeTimeProvider.Advance"/> is time passing, <see cref="StepWall"/> is the clock being set.
/// FakeTimeProvider alone cannot do it: its timestamps follow its wall time, backward steps included.
/// </summary>
public sealed class WallStepClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private long _wallOffsetTicks;

    /// <summary>Sets the wall clock ahead (or back, when negative) without any time passing.</summary>
    public void StepWall(TimeSpan by) => Interlocked.Add(ref _wallOffsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _wallOffsetTicks));

    // FakeTimeProvider reads its timestamp from GetUtcNow (in ticks, its TimestampFrequency): take the step back out.
    public override long GetTimestamp() => base.GetTimestamp() - Interlocked.Read(ref _wallOffsetTicks);
}
