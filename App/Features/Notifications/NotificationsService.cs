
namespace NasDash.Features.Notifications;

public abstract record SaveNotificationsResult
{
    private SaveNotificationsResult()
    {
    }

    public sealed record Saved : SaveNotificationsResult;
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : SaveNotificationsResult;
    /// <summary>No fresh TOTP code was confirmed for this change.</summary>
    public sealed record StepUpRequired : SaveNotificationsResult;
}

/// <summary>
/// System › Alert services: the settings in force and where each comes from, saving them (validated again,
/// step-up checked, secrets encrypted, audited) and "Send test" per target with the server's answer in words.
/// </summary>
public sealed class NotificationsService(
    INotificationSettingsStore store,
    NotificationConfiguration configuration,
    NotificationSecrets secrets,
    NoticeWriter writer,
    EmailChannel email,
    WebhookChannel webhook,
    IAccountStore accounts,
    StepUp stepUp,
    CurrentActor me,
    TimeProvider time)
{
    public static readonly StepUpPurpose SavePurpose = new("notifications.save", "Save the alert services");
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    public EffectiveNotifications Current() => configuration.Current();

    public bool HasSavedPassword => store.GetNotificationSettings().Email.ProtectedPassword is not null || Current().Email.Password is not null;

    public bool HasSavedSecret => Current().Webhook.Secret is not null;

    /// <summary>Saves for the signed-in administrator (<see cref="CurrentActor"/>), whose step-up grant it uses up.</summary>
    public async Task<SaveNotificationsResult> SaveAsync(NotificationsForm form)
    {
        var errors = NotificationsFormValidator.Errors(form);
        if (errors.Count > 0)
        {
            return new SaveNotificationsResult.Invalid(errors);
        }

        var signedIn = await me.GetAsync();
        var client = signedIn?.ClientAddress;
        var actor = signedIn is null ? null : accounts.FindById(signedIn.AccountId);
        if (actor is null || !stepUp.TryConsumeGrant(actor.Id, SavePurpose))
        {
            return new SaveNotificationsResult.StepUpRequired();
        }

        var saved = store.GetNotificationSettings();
        // A value given in configuration wins anyway; the page shows it read-only and it is not copied into the store.
        var configured = Current().FromConfiguration;
        var changed = new List<string>();
        var mail = saved.Email;
        Set(changed, configured, NotificationConfiguration.Fields.EmailHost, "email host", mail.Host, Blank(form.EmailHost), v => mail.Host = v);
        Set(changed, configured, NotificationConfiguration.Fields.EmailPort, "email port", mail.Port, form.EmailPort, v => mail.Port = v);
        Set(changed, configured, NotificationConfiguration.Fields.EmailSecurity, "email security", mail.Security, form.EmailSecurity, v => mail.Security = v);
        Set(changed, configured, NotificationConfiguration.Fields.EmailAcceptCertificate, "accepted certificate", mail.AcceptedCertificate, Blank(form.EmailAcceptedCertificate) is { } c ? EmailChannel.Normalize(c) : null, v => mail.AcceptedCertificate = v);
        Set(changed, configured, NotificationConfiguration.Fields.EmailUser, "email user", mail.User, Blank(form.EmailUser), v => mail.User = v);
        Set(changed, configured, NotificationConfiguration.Fields.EmailFrom, "email from", mail.From, Blank(form.EmailFrom), v => mail.From = v);
        if (!mail.To.SequenceEqual(form.Recipients, StringComparer.Ordinal))
        {
            mail.To = [.. form.Recipients];
            changed.Add("email recipients");
        }

        if (!string.IsNullOrEmpty(form.EmailPassword))
        {
            mail.ProtectedPassword = secrets.Protect(form.EmailPassword);
            changed.Add("email password");
        }

        var hook = saved.Webhook;
        Set(changed, configured, NotificationConfiguration.Fields.WebhookUrl, "webhook URL", hook.Url, Blank(form.WebhookUrl), v => hook.Url = v);
        Set(changed, configured, NotificationConfiguration.Fields.WebhookPreset, "webhook preset", hook.Preset, form.WebhookPreset, v => hook.Preset = v);
        if (!string.IsNullOrEmpty(form.WebhookSecret))
        {
            hook.ProtectedSecret = secrets.Protect(form.WebhookSecret);
            changed.Add("webhook secret");
        }

        if (!mail.Events.ToHashSet().SetEquals(form.EmailEvents))
        {
            mail.Events = [.. form.EmailEvents.Order()];
            changed.Add("email events");
        }

        if (!hook.Events.ToHashSet().SetEquals(form.WebhookEvents))
        {
            hook.Events = [.. form.WebhookEvents.Order()];
            changed.Add("webhook events");
        }

        store.SaveNotificationSettings(saved, new AuditEvent
        {
            At = time.GetUtcNow(),
            UserName = actor.UserName,
            ClientAddress = client,
            Event = AuditNames.SettingsNotifications.Id,
            Outcome = "saved",
            Detail = changed.Count == 0 ? "nothing changed" : "changed: " + string.Join(", ", changed),
        });
        return new SaveNotificationsResult.Saved();
    }

    /// <summary>Sends a test mail with the settings on the page, saved or not.</summary>
    public async Task<DeliveryOutcome> TestEmailAsync(NotificationsForm form, CancellationToken cancellationToken = default)
    {
        var errors = NotificationsFormValidator.Errors(form);
        if (string.IsNullOrWhiteSpace(form.EmailHost))
        {
            return DeliveryOutcome.Failure("Enter the mail server first.");
        }

        if (errors.Keys.Any(k => k.StartsWith("Email", StringComparison.Ordinal)))
        {
            return DeliveryOutcome.Failure("Correct the highlighted email settings first.");
        }

        var current = Current().Email;
        // The saved password goes only to the server and user it was saved for.
        var password = !string.IsNullOrEmpty(form.EmailPassword) ? form.EmailPassword
            : string.Equals(current.Host, form.EmailHost, StringComparison.OrdinalIgnoreCase) && string.Equals(current.User, Blank(form.EmailUser), StringComparison.Ordinal) ? current.Password
            : null;
        var settings = new EmailSettings(form.EmailHost.Trim(), form.EmailPort, form.EmailSecurity, Blank(form.EmailAcceptedCertificate), Blank(form.EmailUser),
            password, form.EmailFrom, form.Recipients, form.EmailEvents);
        return await email.SendAsync(settings, writer.Test(await ActorNameAsync()), TestTimeout, cancellationToken);
    }

    public async Task<DeliveryOutcome> TestWebhookAsync(NotificationsForm form, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(form.WebhookUrl))
        {
            return DeliveryOutcome.Failure("Enter the webhook address first.");
        }

        if (NotificationsFormValidator.Errors(form).ContainsKey(nameof(NotificationsForm.WebhookUrl)))
        {
            return DeliveryOutcome.Failure("Correct the webhook address first.");
        }

        var secret = !string.IsNullOrEmpty(form.WebhookSecret) ? form.WebhookSecret : Current().Webhook.Secret;
        var settings = new WebhookSettings(form.WebhookUrl.Trim(), form.WebhookPreset, secret, form.WebhookEvents);
        return await webhook.SendAsync(settings, writer.Test(await ActorNameAsync()), TestTimeout, cancellationToken);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static void Set<T>(List<string> changed, IReadOnlySet<string> configured, string field, string name, T before, T after, Action<T> apply)
    {
        if (!configured.Contains(field) && !EqualityComparer<T>.Default.Equals(before, after))
        {
            apply(after);
            changed.Add(name);
        }
    }

    private async Task<string> ActorNameAsync() => (await me.GetAsync())?.UserName ?? "an administrator";
}
