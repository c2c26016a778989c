namespace NasDash.Security.Notices;

public enum SmtpSecurity
{
    None,
    StartTls,
    ImplicitTls,
}

/// <summary>The alert services saved on System › Alert services; configuration may override any field.</summary>
public sealed class NotificationSettings
{
    public int Id { get; set; } = 1;
    public EmailTarget Email { get; set; } = new();
    public WebhookTarget Webhook { get; set; } = new();
}

public sealed class EmailTarget
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;
    /// <summary>SHA-256 fingerprint (hex) of a certificate the administrator accepted although it is not trusted.</summary>
    public string? AcceptedCertificate { get; set; }
    public string? User { get; set; }
    /// <summary>Encrypted with Data Protection; never shown again.</summary>
    public string? ProtectedPassword { get; set; }
    public string? From { get; set; }
    public List<string> To { get; set; } = [];
    public List<SecurityNoticeKind> Events { get; set; } = [.. NotificationDefaults.EmailEvents];
}

public sealed class WebhookTarget
{
    public string? Url { get; set; }
    public WebhookPreset Preset { get; set; } = WebhookPreset.Json;
    /// <summary>Encrypted with Data Protection; signs each body (HMAC-SHA256), never shown again.</summary>
    public string? ProtectedSecret { get; set; }
    public List<SecurityNoticeKind> Events { get; set; } = [.. NotificationDefaults.WebhookEvents];
}

public static class NotificationDefaults
{
    /// <summary>Mail is the record: every kind of notice.</summary>
    public static readonly IReadOnlyList<SecurityNoticeKind> EmailEvents = Enum.GetValues<SecurityNoticeKind>();

    /// <summary>Every change to how someone signs in reaches the webhook too (NIST SP 800-63B-4 §4.1.2.1, §4.6).</summary>
    public static readonly IReadOnlyList<SecurityNoticeKind> WebhookEvents = Enum.GetValues<SecurityNoticeKind>();

    /// <summary>The kinds schema 4 added: switched on for both targets of alert services saved before them.</summary>
    public static readonly IReadOnlyList<SecurityNoticeKind> AddedInSchema4 =
    [
        SecurityNoticeKind.PasswordChangeRequired,
        SecurityNoticeKind.SecondFactorEnrolled,
        SecurityNoticeKind.AuthenticatorRenewed,
        SecurityNoticeKind.SecurityKeyAdded,
        SecurityNoticeKind.SecurityKeyRemoved,
        SecurityNoticeKind.AdministratorCreated,
        SecurityNoticeKind.AdministratorDeleted,
        SecurityNoticeKind.ApiTokenCreated,
        SecurityNoticeKind.ApiTokenRevoked,
        SecurityNoticeKind.ReportedNotMine,
        SecurityNoticeKind.NotificationAddressAdded,
        SecurityNoticeKind.NotificationAddressConfirmed,
        SecurityNoticeKind.NotificationAddressRemoved,
    ];
}
