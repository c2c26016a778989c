using Microsoft.Extensions.Time.Testing;
using NasDash.Hosting;

namespace NasDash.Tests.Sessions;

public sealed class SessionActivityTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero));
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
}
