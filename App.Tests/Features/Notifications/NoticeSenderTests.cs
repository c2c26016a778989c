using NasDash.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Notifications;

/// <summary>Issue 28: a notice gives up by attempts and monotonic time, never because the wall clock was set.</summary>
public sealed class NoticeSenderTests
{
    private static IReadOnlyList<NoticeDelivery> Deliveries(NotifyCore core) => [.. core.Notices().SelectMany(n => n.Deliveries)];

    private static async Task<(NotifyCore Core, WallStepClock Time)> OneFailedAttemptAsync()
    {
        var time = new WallStepClock(DateTimeOffset.UtcNow);
        var core = new NotifyCore(time: time);
        core.UseEmail(SmtpTestServer.FreePort(), "owner@example.test");
        await core.FailBackupCodesAsync(core.AddAdministrator("alice"));
        await core.DeliverDueNowAsync();
        Assert.NotEmpty(Deliveries(core));
        Assert.All(Deliveries(core), d => Assert.Equal((1, null), (d.Attempts, d.GaveUpAt)));
        return (core, time);
    }

    [Fact]
    public async Task WallClockSetForwardMoreThanTheGiveUpAge_TriesAgainWithoutGivingUp_UntilAttemptsAndTimeAreSpent()
    {
        var (core, time) = await OneFailedAttemptAsync();
        await using var _ = core;

        time.StepWall(DeliveryTiming.Default.GiveUpAfter + TimeSpan.FromHours(1));
        await core.DeliverDueNowAsync();
        Assert.All(Deliveries(core), d => Assert.Equal((2, null), (d.Attempts, d.GaveUpAt)));

        while (Deliveries(core).Any(d => d.Attempts < DeliveryTiming.AttemptsBeforeGiveUp))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await core.DeliverDueNowAsync();
        }

        Assert.All(Deliveries(core), d => Assert.Null(d.GaveUpAt));
        Assert.Empty(core.Audit(AuditNames.NotifyFailed.Id));

        time.Advance(DeliveryTiming.Default.GiveUpAfter);
        await core.DeliverDueNowAsync();
        Assert.All(Deliveries(core), d => Assert.NotNull(d.GaveUpAt));
        Assert.Equal(Deliveries(core).Count, core.Audit(AuditNames.NotifyFailed.Id).Count);
    }

    [Fact]
    public async Task WallClockSetBack_TheNextAttemptIsNotPostponed()
    {
        var (core, time) = await OneFailedAttemptAsync();
        await using var _ = core;

        time.StepWall(TimeSpan.FromHours(-2));
        await core.DeliverDueNowAsync();

        Assert.All(Deliveries(core), d => Assert.Equal(2, d.Attempts));
    }
}
