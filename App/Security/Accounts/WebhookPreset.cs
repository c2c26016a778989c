namespace NasDash.Security.Accounts;

/// <summary>
/// The body a webhook gets: the appliance's own webhook and each administrator's own webhook addresses (which the
/// account holds, so the preset lives beside it).
/// </summary>
public enum WebhookPreset
{
    /// <summary>NasDash's own JSON: event, severity, user, host, at, message, url.</summary>
    Json,
    Ntfy,
    Gotify,
    Slack,
}
