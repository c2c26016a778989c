using System.Globalization;

namespace NasDash.Features.Notifications;

public sealed record EmailSettings(
    string? Host,
    int Port,
    SmtpSecurity Security,
    string? AcceptedCertificate,
    string? User,
    string? Password,
    string? From,
    IReadOnlyList<string> To,
    IReadOnlySet<SecurityNoticeKind> Events)
{
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host) && !string.IsNullOrWhiteSpace(From) && To.Count > 0;
}

public sealed record WebhookSettings(string? Url, WebhookPreset Preset, string? Secret, IReadOnlySet<SecurityNoticeKind> Events)
{
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);
}

/// <summary>The alert services in force: each field from configuration when given there, else as saved on the page.</summary>
public sealed record EffectiveNotifications(EmailSettings Email, WebhookSettings Webhook, IReadOnlySet<string> FromConfiguration)
{
    public bool IsFromConfiguration(string field) => FromConfiguration.Contains(field);
}

/// <summary>
/// Reads <c>NasDash:Notifications:…</c> (an image that ships its alert services) over the settings saved in the
/// store. Field names are the configuration keys below that section, e.g. <c>Email:Host</c>.
/// </summary>
public sealed class NotificationConfiguration(IConfiguration configuration, INotificationSettingsStore store, NotificationSecrets secrets)
{
    public const string Section = "NasDash:Notifications";

    public static class Fields
    {
        public const string EmailHost = "Email:Host";
        public const string EmailPort = "Email:Port";
        public const string EmailSecurity = "Email:Security";
        public const string EmailAcceptCertificate = "Email:AcceptCertificate";
        public const string EmailUser = "Email:User";
        public const string EmailPassword = "Email:Password";
        public const string EmailFrom = "Email:From";
        public const string EmailTo = "Email:To";
        public const string EmailEvents = "Email:Events";
        public const string WebhookUrl = "Webhook:Url";
        public const string WebhookPreset = "Webhook:Preset";
        public const string WebhookSecret = "Webhook:Secret";
        public const string WebhookEvents = "Webhook:Events";
    }

    private IConfigurationSection Root => configuration.GetSection(Section);

    /// <summary>The public address of the dashboard used in messages; null when not configured.</summary>
    public string? DashboardUrl => Root["DashboardUrl"] is { Length: > 0 } url ? url.TrimEnd('/') : null;

    public DeliveryTiming Timing => new(
        Duration("Delivery:FirstRetry", DeliveryTiming.Default.FirstRetry),
        Duration("Delivery:MaxRetry", DeliveryTiming.Default.MaxRetry),
        Duration("Delivery:GiveUpAfter", DeliveryTiming.Default.GiveUpAfter),
        Duration("Delivery:AttemptTimeout", DeliveryTiming.Default.AttemptTimeout));

    public EffectiveNotifications Current() => Resolve(store.GetNotificationSettings());

    public EffectiveNotifications Resolve(NotificationSettings saved)
    {
        var fromConfiguration = new HashSet<string>(StringComparer.Ordinal);
        string? Text(string field, string? stored)
        {
            if (Root[field] is { } value)
            {
                fromConfiguration.Add(field);
                return value.Length == 0 ? null : value;
            }

            return stored;
        }

        IReadOnlyList<string>? List(string field)
        {
            var section = Root.GetSection(field);
            var items = section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
            if (items.Count == 0 && section.Value is { } single)
            {
                items = [.. single.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            }

            if (items.Count == 0 && section.Value is null)
            {
                return null;
            }

            fromConfiguration.Add(field);
            return items;
        }

        T Parsed<T>(string field, T stored) where T : struct, Enum =>
            Text(field, null) is { } value && Enum.TryParse<T>(value, ignoreCase: true, out var parsed) ? parsed : stored;

        IReadOnlySet<SecurityNoticeKind> Events(string field, IEnumerable<SecurityNoticeKind> stored) =>
            (List(field)?.Select(e => Enum.TryParse<SecurityNoticeKind>(e, ignoreCase: true, out var kind) ? kind : (SecurityNoticeKind?)null)
                .OfType<SecurityNoticeKind>() ?? stored).ToHashSet();

        var mail = saved.Email;
        var port = Text(Fields.EmailPort, null) is { } portText && int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : mail.Port;
        var email = new EmailSettings(
            Text(Fields.EmailHost, mail.Host),
            port,
            Parsed(Fields.EmailSecurity, mail.Security),
            Text(Fields.EmailAcceptCertificate, mail.AcceptedCertificate),
            Text(Fields.EmailUser, mail.User),
            Text(Fields.EmailPassword, null) ?? (fromConfiguration.Contains(Fields.EmailPassword) ? null : secrets.TryUnprotect(mail.ProtectedPassword)),
            Text(Fields.EmailFrom, mail.From),
            List(Fields.EmailTo) ?? mail.To,
            Events(Fields.EmailEvents, mail.Events));

        var hook = saved.Webhook;
        var webhook = new WebhookSettings(
            Text(Fields.WebhookUrl, hook.Url),
            Parsed(Fields.WebhookPreset, hook.Preset),
            Text(Fields.WebhookSecret, null) ?? (fromConfiguration.Contains(Fields.WebhookSecret) ? null : secrets.TryUnprotect(hook.ProtectedSecret)),
            Events(Fields.WebhookEvents, hook.Events));

        return new EffectiveNotifications(email, webhook, fromConfiguration);
    }

    private TimeSpan Duration(string key, TimeSpan fallback) =>
        Root[key] is { } value && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero ? parsed : fallback;
}

/// <summary>
/// How the sender retries: growing from the first delay to the longest, until a delivery has made
/// <see cref="AttemptsBeforeGiveUp"/> attempts and its notice has been pending <see cref="GiveUpAfter"/> by monotonic time.
/// </summary>
public sealed record DeliveryTiming(TimeSpan FirstRetry, TimeSpan MaxRetry, TimeSpan GiveUpAfter, TimeSpan AttemptTimeout)
{
    public static readonly DeliveryTiming Default = new(TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(25), TimeSpan.FromSeconds(60));

    /// <summary>Attempts a delivery makes before it may give up, however the wall clock was set (at the defaults, half an hour of retries).</summary>
    public const int AttemptsBeforeGiveUp = 8;

    /// <summary>Both bounds reached: a clock set forward makes no delivery give up at once, a restart none sooner than its attempts allow.</summary>
    public bool GivesUp(int attempts, TimeSpan pendingFor) => attempts >= AttemptsBeforeGiveUp && pendingFor >= GiveUpAfter;

    /// <summary>
    /// Whether a delivery planned for <paramref name="next"/> is due at <paramref name="now"/>; a plan further off than the
    /// longest retry can only come from a clock set back since, and is due now.
    /// </summary>
    public bool IsDue(DateTimeOffset next, DateTimeOffset now) => next <= now || next - now > MaxRetry;

    public TimeSpan DelayAfter(int attempts)
    {
        var doubled = FirstRetry.Ticks * Math.Pow(2, Math.Min(attempts - 1, 30));
        return doubled >= MaxRetry.Ticks ? MaxRetry : TimeSpan.FromTicks((long)doubled);
    }
}
