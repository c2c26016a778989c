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

/// <summary>The sender's loop outlives any failure of a pass, a cancellation it did not ask for included.</summary>
public sealed class NoticeSenderLoopTests
{
    [Fact]
    public async Task PassEndsInACancellationNobodyAskedFor_TheSenderTriesAgainInsteadOfStopping()
    {
        await using var core = new NotifyCore(time: TimeProvider.System);
        // As an etcd client that gives up on a request with a cancellation, in the first pass only.
        var outbox = new CancelsFirstPass(core.Get<INoticeOutbox>());
        using var sender = new NoticeSender(outbox, core.Get<NotificationConfiguration>(), core.Get<NoticeWriter>(), core.Get<EmailChannel>(),
            core.Get<WebhookChannel>(), core.Get<AddressDelivery>(), core.Get<IAlertStore>(), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<NoticeSender>.Instance);

        await sender.StartAsync(TestContext.Current.CancellationToken);
        await Fleet.FleetTesting.UntilAsync(() => outbox.Passes >= 2, TimeSpan.FromSeconds(10), () => $"passes: {outbox.Passes}, sender: {sender.ExecuteTask?.Status}");

        Assert.False(sender.ExecuteTask!.IsCompleted, $"the sender stopped: {sender.ExecuteTask.Exception}");
        await sender.StopAsync(TestContext.Current.CancellationToken);
    }

    private sealed class CancelsFirstPass(INoticeOutbox inner) : INoticeOutbox
    {
        private int _passes;

        public int Passes => Volatile.Read(ref _passes);

        public event Action? NoticeQueued
        {
            add => inner.NoticeQueued += value;
            remove => inner.NoticeQueued -= value;
        }

        public IReadOnlyList<OutboxNotice> Pending(int max) =>
            Interlocked.Increment(ref _passes) == 1 ? throw new OperationCanceledException("The client gave up on the request.") : inner.Pending(max);

        public void Save(OutboxNotice notice, params AuditEvent[] audit) => inner.Save(notice, audit);

        public void Queue(IReadOnlyList<OutboxNotice> notices) => inner.Queue(notices);

        public IDisposable? Claim(OutboxNotice notice, TimeSpan atMost) => inner.Claim(notice, atMost);
    }
}
