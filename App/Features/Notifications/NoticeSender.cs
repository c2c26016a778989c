
namespace NasDash.Features.Notifications;

/// <summary>
/// Delivers the outbox in the background, never inside a request: a dead or hanging mail server delays only
/// this loop. Each delivery is retried with a growing delay until <see cref="DeliveryTiming.GivesUp"/>: enough attempts,
/// and the notice pending long enough by monotonic time; what is pending survives a restart because it lives in the store.
/// </summary>
public sealed class NoticeSender(
    INoticeOutbox outbox,
    NotificationConfiguration configuration,
    NoticeWriter writer,
    EmailChannel email,
    WebhookChannel webhook,
    AddressDelivery addresses,
    IAlertStore alerts,
    TimeProvider time,
    ILogger<NoticeSender> log) : BackgroundService
{
    /// <summary>Failed attempts in a row after which a target raises a dashboard alert.</summary>
    public const int FailuresBeforeAlert = 3;

    private static readonly TimeSpan LongestSleep = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, int> _failuresInARow = new(StringComparer.Ordinal);
    // Per pending notice: the monotonic timestamp this run first saw it, and its age by the wall clock then (never below zero).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (long Seen, TimeSpan AgeThen)> _pendingSince = new();

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
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // A cancellation nobody asked for (a store's client giving up on a request) is a failed pass too:
                    // letting it end the loop would stop every later notice, and the host with it.
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
            // On a fleet, the appliance holding the claim delivers it; one that lost the race to it leaves it alone.
            using var claim = outbox.Claim(notice, ClaimFor(notice, timing));
            if (claim is null)
            {
                continue;
            }

            try
            {
                if (await DeliverAsync(notice, settings, timing, cancellationToken) is { } noticeDue)
                {
                    next = Earliest(next, noticeDue);
                }
            }
            catch (NasDash.Storage.StoreConflictException)
            {
                // Another appliance delivered or claimed it since it was read: its record stands.
            }
        }

        var now = time.GetUtcNow();
        return next is { } due ? TimeSpan.FromTicks(Math.Clamp((due - now).Ticks, 0, LongestSleep.Ticks)) : LongestSleep;
    }

    // Long enough for every attempt this pass may make, each bounded by the attempt timeout.
    private static TimeSpan ClaimFor(OutboxNotice notice, DeliveryTiming timing) =>
        timing.AttemptTimeout * Math.Max(1, notice.Deliveries.Count + 2) + TimeSpan.FromSeconds(30);

    /// <summary>Makes the notice's due attempts; returns when its next attempt is due, if any.</summary>
    private async Task<DateTimeOffset?> DeliverAsync(OutboxNotice notice, EffectiveNotifications settings, DeliveryTiming timing, CancellationToken cancellationToken)
    {
        DateTimeOffset? next = null;
        var audit = new List<AuditEvent>();
        Track(notice);
        if (!notice.Routed)
        {
            Route(notice, settings);
        }

        foreach (var delivery in notice.Deliveries.Where(d => !d.Finished))
        {
            if (!timing.IsDue(delivery.NextAttemptAt, time.GetUtcNow()))
            {
                next = Earliest(next, delivery.NextAttemptAt);
                continue;
            }

            // Counted and committed before it is made: a crash inside the attempt still counts it, and its retry waits its turn.
            delivery.Attempts++;
            delivery.NextAttemptAt = time.GetUtcNow() + timing.DelayAfter(delivery.Attempts);
            outbox.Save(notice);
            var outcome = await AttemptAsync(delivery, settings, notice, timing, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            Record(notice, delivery, outcome, timing, audit);
            if (!delivery.Finished)
            {
                next = Earliest(next, delivery.NextAttemptAt);
            }
        }

        if (notice.Deliveries.All(d => d.Finished))
        {
            _pendingSince.TryRemove(notice.Id, out _);
            notice.DoneAt = time.GetUtcNow();
            notice.ProtectedReportToken = null;
            // A done notice keeps whom it reached, not the credential inside a webhook's address.
            foreach (var address in notice.Deliveries.Select(d => d.Address).OfType<DeliveryAddress>())
            {
                address.ProtectedUrl = null;
            }
        }

        outbox.Save(notice, [.. audit]);

        return next;
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

    private async Task<DeliveryOutcome> AttemptAsync(NoticeDelivery delivery, EffectiveNotifications settings, OutboxNotice notice, DeliveryTiming timing, CancellationToken cancellationToken)
    {
        var message = writer.Write(notice);
        return delivery switch
        {
            { Address: { } address } => await addresses.SendAsync(address, settings, message, timing.AttemptTimeout, cancellationToken),
            { Target: EmailChannel.Target } when settings.Email.IsConfigured => await email.SendAsync(settings.Email, message, timing.AttemptTimeout, cancellationToken),
            { Target: WebhookChannel.Target } when settings.Webhook.IsConfigured => await webhook.SendAsync(settings.Webhook, message, timing.AttemptTimeout, cancellationToken),
            _ => DeliveryOutcome.Failure($"the {delivery.Target} target is no longer configured"),
        };
    }

    // The words of a target in the audit log and alerts, and the page that fixes it.
    private static (string Words, string Page) Describe(NoticeDelivery delivery) =>
        delivery.Address is { } address ? (address.Words(), "/account") : (delivery.Target, "/settings/notifications");

    private void Record(OutboxNotice notice, NoticeDelivery delivery, DeliveryOutcome outcome, DeliveryTiming timing, List<AuditEvent> audit)
    {
        var now = time.GetUtcNow();
        var name = NoticeWriter.EventName(notice.Kind);
        var (target, page) = Describe(delivery);
        if (outcome.Delivered)
        {
            delivery.DeliveredAt = now;
            delivery.LastError = null;
            audit.Add(Entry(notice, AuditNames.NotifyDelivered.Id, "succeeded", $"{name} by {target} after {delivery.Attempts} attempt(s): {outcome.Answer}"));
            if (_failuresInARow.Remove(delivery.Target))
            {
                alerts.Clear(AlertKeys.NotifyFailingPrefix + delivery.Target);
            }

            return;
        }

        delivery.LastError = outcome.Answer;
        var inARow = _failuresInARow[delivery.Target] = _failuresInARow.GetValueOrDefault(delivery.Target) + 1;
        if (timing.GivesUp(delivery.Attempts, Track(notice)))
        {
            delivery.GaveUpAt = now;
            audit.Add(Entry(notice, AuditNames.NotifyFailed.Id, "gave-up", $"{name} by {target}: {delivery.Attempts} attempts since {notice.At:u}; last: {outcome.Answer}"));
            alerts.Raise(AlertKeys.NotifyFailedPrefix + delivery.Target, AlertSeverity.Critical,
                $"A security notice ({name} of {notice.UserName ?? "the appliance"}) could not be sent by {target} and was given up: {outcome.Answer}.",
                page);
            return;
        }

        delivery.NextAttemptAt = now + timing.DelayAfter(delivery.Attempts);
        log.LogWarning("Security notice {Event} by {Target} failed (attempt {Attempts}): {Answer}; next try at {Next:u}",
            name, target, delivery.Attempts, outcome.Answer, delivery.NextAttemptAt);
        if (inARow >= FailuresBeforeAlert)
        {
            alerts.Raise(AlertKeys.NotifyFailingPrefix + delivery.Target, AlertSeverity.Warning,
                $"Security notices by {target} keep failing ({inARow} attempts in a row): {outcome.Answer}. They are retried; check " +
                (delivery.Address is null ? "System › Alert services." : $"the address on {delivery.Address.Owner}'s My account page."),
                page);
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

    /// <summary>How long the notice has been pending: its age when this run first saw it, plus monotonic time since.</summary>
    private TimeSpan Track(OutboxNotice notice)
    {
        var (seen, ageThen) = _pendingSince.GetOrAdd(notice.Id, _ =>
            (time.GetTimestamp(), time.GetUtcNow() - notice.At is var age && age > TimeSpan.Zero ? age : TimeSpan.Zero));
        return ageThen + time.GetElapsedTime(seen);
    }

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
