using FluentValidation;

namespace NasDash.Features.Notifications;

/// <summary>What System › Alert services edits. Secrets are write-only: blank keeps the saved one.</summary>
public sealed class NotificationsForm
{
    public string? EmailHost { get; set; }
    public int EmailPort { get; set; } = 587;
    public SmtpSecurity EmailSecurity { get; set; } = SmtpSecurity.StartTls;
    public string? EmailAcceptedCertificate { get; set; }
    public string? EmailUser { get; set; }
    public string? EmailPassword { get; set; }
    public string? EmailFrom { get; set; }
    /// <summary>Recipients separated by commas, semicolons or new lines.</summary>
    public string? EmailTo { get; set; }
    public HashSet<SecurityNoticeKind> EmailEvents { get; set; } = [.. NotificationDefaults.EmailEvents];

    public string? WebhookUrl { get; set; }
    public WebhookPreset WebhookPreset { get; set; } = WebhookPreset.Json;
    public string? WebhookSecret { get; set; }
    public HashSet<SecurityNoticeKind> WebhookEvents { get; set; } = [.. NotificationDefaults.WebhookEvents];

    public IReadOnlyList<string> Recipients =>
        (EmailTo ?? "").Split([',', ';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static NotificationsForm From(EffectiveNotifications current) => new()
    {
        EmailHost = current.Email.Host,
        EmailPort = current.Email.Port,
        EmailSecurity = current.Email.Security,
        EmailAcceptedCertificate = current.Email.AcceptedCertificate,
        EmailUser = current.Email.User,
        EmailFrom = current.Email.From,
        EmailTo = string.Join(", ", current.Email.To),
        EmailEvents = [.. current.Email.Events],
        WebhookUrl = current.Webhook.Url,
        WebhookPreset = current.Webhook.Preset,
        WebhookEvents = [.. current.Webhook.Events],
    };
}

/// <summary>Serves the page (next to each field) and the service, which never trusts the page.</summary>
public sealed class NotificationsFormValidator : AbstractValidator<NotificationsForm>
{
    public NotificationsFormValidator()
    {
        RuleFor(f => f.EmailHost)
            .Must(BeAHostName!).When(f => !string.IsNullOrWhiteSpace(f.EmailHost))
            .WithMessage("Enter a host name such as smtp.example.com, or an IP address.");
        RuleFor(f => f.EmailPort)
            .InclusiveBetween(1, 65535)
            .WithMessage("The port must be between 1 and 65535 (usually 587 for STARTTLS, 465 for TLS, 25 without).");
        RuleFor(f => f.EmailFrom)
            .NotEmpty().When(f => !string.IsNullOrWhiteSpace(f.EmailHost)).WithMessage("Enter the address the mail comes from.")
            .Must(BeAnAddress!).When(f => !string.IsNullOrWhiteSpace(f.EmailFrom)).WithMessage("Enter one address such as nas@example.com.");
        RuleFor(f => f.EmailTo)
            .NotEmpty().When(f => !string.IsNullOrWhiteSpace(f.EmailHost)).WithMessage("Enter at least one recipient.")
            .Must((form, _) => form.Recipients.All(BeAnAddress))
            .WithMessage(f => $"Not an email address: {string.Join(", ", f.Recipients.Where(r => !BeAnAddress(r)))}.");
        RuleFor(f => f.EmailAcceptedCertificate)
            .Must(c => EmailChannel.Normalize(c!).Length == 95).When(f => !string.IsNullOrWhiteSpace(f.EmailAcceptedCertificate))
            .WithMessage("A certificate fingerprint is 64 hexadecimal digits (SHA-256).");
        RuleFor(f => f.WebhookUrl)
            .Must(BeAWebAddress!).When(f => !string.IsNullOrWhiteSpace(f.WebhookUrl))
            .WithMessage(AddressRules.NotAWebAddress);
    }

    public static IReadOnlyDictionary<string, string[]> Errors(NotificationsForm form) =>
        new NotificationsFormValidator().Validate(form).ToDictionary().AsReadOnly();

    /// <summary>
    /// A second look, not a refusal, when the port is not the one the chosen security usually runs on (a relay may
    /// listen anywhere, and Send test tells); null when they go together.
    /// </summary>
    public static string? PortWarning(int port, SmtpSecurity security)
    {
        var (name, usual, matches) = security switch
        {
            SmtpSecurity.StartTls => ("STARTTLS", "587 (or 25)", port is 587 or 25),
            SmtpSecurity.ImplicitTls => ("TLS", "465", port == 465),
            // Without security any port may be a local relay's; only the ports of the other two are suspicious.
            _ => ("Mail without security", "25", port is not (587 or 465)),
        };
        return matches || port is < 1 or > 65535 ? null
            : $"{name} usually runs on port {usual}, not {port}. Check your mail server's settings; Send test shows whether they work together.";
    }

    private static bool BeAHostName(string host) =>
        host.Trim() == host && Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6 &&
        !host.Contains('_', StringComparison.Ordinal) && !host.StartsWith('.') && !host.EndsWith('.');

    private static bool BeAnAddress(string address) => AddressRules.IsEmailAddress(address);

    private static bool BeAWebAddress(string url) => AddressRules.IsWebAddress(url);
}
