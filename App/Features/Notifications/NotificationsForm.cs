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
            .WithMessage("Enter an http:// or https:// address of a server; files and other kinds of address are refused.");
    }

    public static IReadOnlyDictionary<string, string[]> Errors(NotificationsForm form) =>
        new NotificationsFormValidator().Validate(form).Errors
            .GroupBy(e => e.PropertyName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray(), StringComparer.Ordinal);

    private static bool BeAHostName(string host) =>
        host.Trim() == host && Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6 &&
        !host.Contains('_', StringComparison.Ordinal) && !host.StartsWith('.') && !host.EndsWith('.');

    private static bool BeAnAddress(string address) =>
        // A bare address only: a display name ("Alice <a@b>") would hide which address was meant.
        System.Net.Mail.MailAddress.TryCreate(address, out var parsed) && string.Equals(parsed.Address, address.Trim(), StringComparison.Ordinal);

    private static bool BeAWebAddress(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) &&
        !string.IsNullOrEmpty(uri.Host) && !uri.IsFile && !uri.IsUnc;
}
