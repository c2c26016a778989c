
namespace NasDash.Features.Notifications;

/// <summary>
/// Delivers the outbox in the background, never inside a request: a dead or hanging mail server delays only
/// this loop. Each delivery is retried with a growing delay until the notice is older than
/// <see cref="DeliveryTiming.GiveUpAfter"/>; what is pending survives a restart because it lives in the store.
/// </summary>
public sealed class NoticeSender(
    INoticeOutbox outbox,
    NotificationConfiguration configuration,
    NoticeWriter writer,
    EmailChannel email,
    WebhookChannel webhook,
    IAlertStore alerts,
    TimeProvider time,
    ILogger<NoticeSender> log) : BackgroundService
{
    /// <summary>Failed attempts in a row after which a target raises a dashboard alert.</summary>
    public const int FailuresBeforeAlert = 3;

    private static readonly TimeSpan LongestSleep = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, int> _failuresInARow = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        outbox.NoticeQueued += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan sleep;
                try
                {
                    sleep = await DeliverDueAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogError(ex, "The notice sender failed; it tries again shortly");
                    sleep = configuration.Timing.FirstRetry;
                }

                using var napping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var nap = Task.Delay(sleep, time, napping.Token);
                await Task.WhenAny(nap, _wake.WaitAsync(napping.Token));
                await napping.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever is pending stays in the outbox for the next start.
        }
        finally
        {
            outbox.NoticeQueued -= Wake;
        }
    }

    /// <summary>Makes every delivery that is due; returns how long until the next one is.</summary>
    public async Task<TimeSpan> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = configuration.Current();
        var timing = configuration.Timing;
        DateTimeOffset? next = null;
        foreach (var notice in outbox.Pending(100))
        {
            var audit = new List<AuditEvent>();
            if (!notice.Routed)
            {
                Route(notice, settings);
            }

            foreach (var delivery in notice.Deliveries.Where(d => !d.Finished))
            {
                if (delivery.NextAttemptAt > time.GetUtcNow())
                {
                    next = Earliest(next, delivery.NextAttemptAt);
                    continue;
                }

                // Counted and committed before it is made: a crash inside the attempt still counts it, and its retry waits its turn.
                delivery.Attempts++;
                delivery.NextAttemptAt = time.GetUtcNow() + timing.DelayAfter(delivery.Attempts);
                outbox.Save(notice);
                var outcome = await AttemptAsync(delivery.Target, settings, notice, timing, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                Record(notice, delivery, outcome, timing, audit);
                if (!delivery.Finished)
                {
                    next = Earliest(next, delivery.NextAttemptAt);
                }
            }

            if (notice.Deliveries.All(d => d.Finished))
            {
                notice.DoneAt = time.GetUtcNow();
                notice.ProtectedReportToken = null;
            }

            outbox.Save(notice, [.. audit]);
        }

        var now = time.GetUtcNow();
        return next is { } due ? TimeSpan.FromTicks(Math.Clamp((due - now).Ticks, 0, LongestSleep.Ticks)) : LongestSleep;
    }

    private void Route(OutboxNotice notice, EffectiveNotifications settings)
    {
        var now = time.GetUtcNow();
        if (settings.Email.IsConfigured && settings.Email.Events.Contains(notice.Kind))
        {
            notice.Deliveries.Add(new NoticeDelivery { Target = EmailChannel.Target, NextAttemptAt = now });
        }

        if (settings.Webhook.IsConfigured && settings.Webhook.Events.Contains(notice.Kind))
        {
            notice.Deliveries.Add(new NoticeDelivery { Target = WebhookChannel.Target, NextAttemptAt = now });
        }

        notice.Routed = true;
    }

    private async Task<DeliveryOutcome> AttemptAsync(string target, EffectiveNotifications settings, OutboxNotice notice, DeliveryTiming timing, CancellationToken cancellationToken)
    {
        var message = writer.Write(notice);
        return target switch
        {
            EmailChannel.Target when settings.Email.IsConfigured => await email.SendAsync(settings.Email, message, timing.AttemptTimeout, cancellationToken),
            WebhookChannel.Target when settings.Webhook.IsConfigured => await webhook.SendAsync(settings.Webhook, message, timing.AttemptTimeout, cancellationToken),
            _ => DeliveryOutcome.Failure($"the {target} target is no longer configured"),
        };
    }

    private void Record(OutboxNotice notice, NoticeDelivery delivery, DeliveryOutcome outcome, DeliveryTiming timing, List<AuditEvent> audit)
    {
        var now = time.GetUtcNow();
        var name = NoticeWriter.EventName(notice.Kind);
        if (outcome.Delivered)
        {
            delivery.DeliveredAt = now;
            delivery.LastError = null;
            audit.Add(Entry(notice, AuditNames.NotifyDelivered.Id, "succeeded", $"{name} by {delivery.Target} after {delivery.Attempts} attempt(s): {outcome.Answer}"));
            if (_failuresInARow.Remove(delivery.Target))
            {
                alerts.Clear(AlertKeys.NotifyFailingPrefix + delivery.Target);
            }

            return;
        }

        delivery.LastError = outcome.Answer;
        var inARow = _failuresInARow[delivery.Target] = _failuresInARow.GetValueOrDefault(delivery.Target) + 1;
        if (now - notice.At >= timing.GiveUpAfter)
        {
            delivery.GaveUpAt = now;
            audit.Add(Entry(notice, AuditNames.NotifyFailed.Id, "gave-up", $"{name} by {delivery.Target}: {delivery.Attempts} attempts since {notice.At:u}; last: {outcome.Answer}"));
            alerts.Raise(AlertKeys.NotifyFailedPrefix + delivery.Target, AlertSeverity.Critical,
                $"A security notice ({name} of {notice.UserName ?? "the appliance"}) could not be sent by {delivery.Target} and was given up: {outcome.Answer}.",
                "/settings/notifications");
            return;
        }

        delivery.NextAttemptAt = now + timing.DelayAfter(delivery.Attempts);
        log.LogWarning("Security notice {Event} by {Target} failed (attempt {Attempts}): {Answer}; next try at {Next:u}",
            name, delivery.Target, delivery.Attempts, outcome.Answer, delivery.NextAttemptAt);
        if (inARow >= FailuresBeforeAlert)
        {
            alerts.Raise(AlertKeys.NotifyFailingPrefix + delivery.Target, AlertSeverity.Warning,
                $"Security notices by {delivery.Target} keep failing ({inARow} attempts in a row): {outcome.Answer}. They are retried; check System › Alert services.",
                "/settings/notifications");
        }
    }

    private AuditEvent Entry(OutboxNotice notice, string name, string outcome, string detail) => new()
    {
        At = time.GetUtcNow(),
        UserName = notice.UserName,
        Event = name,
        Outcome = outcome,
        Detail = detail,
    };

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake: one pass picks up every queued notice.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
