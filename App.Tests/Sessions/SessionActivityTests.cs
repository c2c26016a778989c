using NasDash.Hosting;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Sessions;

public sealed class SessionActivityTests
{
    private readonly WallStepClock _time = new(new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero));
    private readonly SessionActivity _activity;

    public SessionActivityTests()
    {
        _activity = new SessionActivity(_time, new NasDashOptions());
    }

    [Fact]
    public void IsActive_TouchedWithinTheIdleTimeout_StaysActive()
    {
        _activity.Start("s1");

        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(29));
            _activity.Touch("s1");
        }

        Assert.True(_activity.IsActive("s1"));
    }

    [Fact]
    public void Touch_AfterTheIdleTimeout_DoesNotReviveTheSession()
    {
        _activity.Start("s1");

        _time.Advance(TimeSpan.FromMinutes(30));
        _activity.Touch("s1");

        Assert.False(_activity.IsActive("s1"));
    }

    [Fact]
    public void IsActive_UnknownOrEndedSession_IsFalse()
    {
        _activity.Start("s1");
        _activity.End("s1");
        _activity.Touch("s2");

        Assert.False(_activity.IsActive("s1"));
        Assert.False(_activity.IsActive("s2"));
        Assert.False(_activity.IsActive(null));
    }

    public static TheoryData<int> Steps => [-24 * 400, -13, -1, 1, 13, 23];

    [Theory]
    [MemberData(nameof(Steps))]
    public void IdleAndLifetime_WallClockSet_NeitherEndedNorExtended(int hours)
    {
        var options = new NasDashOptions();
        var signedIn = _time.GetUtcNow();
        _activity.Start("s1");

        _time.StepWall(TimeSpan.FromHours(hours));
        _time.Advance(options.Session.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.True(_activity.IsActive("s1"));
        Assert.Equal(options.Session.IdleTimeout - TimeSpan.FromSeconds(1), _activity.SignedInFor("s1", signedIn));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_activity.IsActive("s1"));
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void AbsoluteLifetime_WallClockSetWhileInUse_EndsOnTime(int hours)
    {
        var options = new NasDashOptions();
        var signedIn = _time.GetUtcNow();
        _activity.Start("s1");

        _time.StepWall(TimeSpan.FromHours(hours));
        var used = TimeSpan.Zero;
        while (used < options.Session.AbsoluteLifetime)
        {
            _time.Advance(TimeSpan.FromMinutes(20));
            used += TimeSpan.FromMinutes(20);
            _activity.Touch("s1");
        }

        Assert.True(_activity.IsActive("s1"));
        Assert.Equal(options.Session.AbsoluteLifetime, _activity.SignedInFor("s1", signedIn));
    }

    [Fact]
    public void Restore_LastUseInTheFuture_CountsAsNowAndSavesAsTodaysClock()
    {
        var now = _time.GetUtcNow();
        _activity.Restore(new Dictionary<string, DateTimeOffset> { ["s1"] = now + TimeSpan.FromHours(1) });

        Assert.Equal(TimeSpan.Zero, _activity.IdleFor("s1"));
        Assert.Equal(TimeSpan.Zero, _activity.SignedInFor("s1", now + TimeSpan.FromHours(1)));
        _time.StepWall(TimeSpan.FromHours(-2));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TimeSpan.FromMinutes(5), _activity.SignedInFor("s1", now + TimeSpan.FromHours(1)));
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromMinutes(5), _activity.Recorded()["s1"]);
    }
}
