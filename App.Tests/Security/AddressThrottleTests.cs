using Microsoft.Extensions.Time.Testing;

namespace NasDash.Tests.Security;

public sealed class AddressThrottleTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero));
    private readonly AddressThrottle _throttle;

    public AddressThrottleTests()
    {
        _throttle = new AddressThrottle(_time, burst: 3, period: TimeSpan.FromMinutes(1));
    }

    public void Dispose() => _throttle.Dispose();

    [Fact]
    public async Task BeginAsync_AfterABurstOfFailures_PausesThatAddressOnly()
    {
        for (var i = 0; i < 3; i++)
        {
            using var turn = await _throttle.BeginAsync("198.51.100.7", TestContext.Current.CancellationToken);
            Assert.Null(turn.PausedUntil);
            turn.Failed();
        }

        using var paused = await _throttle.BeginAsync("198.51.100.7", TestContext.Current.CancellationToken);
        using var other = await _throttle.BeginAsync("198.51.100.8", TestContext.Current.CancellationToken);

        Assert.NotNull(paused.PausedUntil);
        Assert.InRange(paused.PausedUntil.Value - _time.GetUtcNow(), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Null(other.PausedUntil);
    }

    [Fact]
    public async Task BeginAsync_ManySuccessfulAttempts_NeverPause()
    {
        for (var i = 0; i < 20; i++)
        {
            using var turn = await _throttle.BeginAsync("198.51.100.7", TestContext.Current.CancellationToken);
            Assert.Null(turn.PausedUntil);
        }
    }

    [Fact]
    public async Task BeginAsync_ParallelAttemptsFromOneAddress_WaitTheirTurnAndTheExcessIsRefused()
    {
        var first = await _throttle.BeginAsync("198.51.100.7", TestContext.Current.CancellationToken);
        var queued = Enumerable.Range(0, AddressThrottle.QueueLimit)
            .Select(_ => _throttle.BeginAsync("198.51.100.7", TestContext.Current.CancellationToken)).ToList();

        using var excess = await _throttle.BeginAsync("198.51.100.7", TestContext.Current.CancellationToken);

        Assert.NotNull(excess.PausedUntil);
        Assert.All(queued, t => Assert.False(t.IsCompleted));
        first.Dispose();
        foreach (var task in queued)
        {
            using var turn = await task;
            Assert.Null(turn.PausedUntil);
        }
    }
}
