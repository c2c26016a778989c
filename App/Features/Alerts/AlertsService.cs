
namespace NasDash.Features.Alerts;

/// <summary>What the alert asks the administrator to do, and where.</summary>
public sealed record AlertAction(string Label, string Url);

/// <summary>An alert as the alerts page shows it, with the action that resolves it.</summary>
public sealed record AlertView(Alert Alert, AlertAction? Action);

/// <summary>The alerts as the signed-in administrator of this circuit sees and acknowledges them.</summary>
public sealed class AlertsService(IAlertStore alerts, IAuditLog audit, SecurityEvents events, TimeProvider time, CurrentActor me)
{
    public const int HistoryLength = 50;

    public Task<IReadOnlyList<AlertView>> OpenAsync() =>
        Task.FromResult<IReadOnlyList<AlertView>>(alerts.Open().Select(a => new AlertView(a, ActionFor(a))).ToList());

    public int OpenCount() => alerts.Open().Count;

    /// <summary>Acknowledged and cleared alerts, newest first.</summary>
    public IReadOnlyList<Alert> History() => alerts.All(HistoryLength).Where(a => !a.IsOpen).ToList();

    public async Task<bool> AcknowledgeAsync(Guid id)
    {
        var actor = await me.GetAsync();
        return actor is not null && Acknowledge(id, actor.UserName, actor.ClientAddress, via: null);
    }

    /// <summary>The acknowledgement itself, for a page's actor or an API token's (<paramref name="via"/> names the token).</summary>
    public bool Acknowledge(Guid id, string by, string? client, string? via)
    {
        var alert = alerts.Open().FirstOrDefault(a => a.Id == id);
        if (alert is null || !alerts.Acknowledge(id, by))
        {
            return false;
        }

        audit.Append(new AuditEvent
        {
            At = time.GetUtcNow(),
            UserName = by,
            ClientAddress = client,
            Event = AuditNames.AlertAcknowledged.Id,
            Outcome = "succeeded",
            Detail = via is null ? alert.Key : $"{alert.Key}; via {via}",
        });
        events.NotifyChanged();
        return true;
    }

    /// <summary>The action of an alert, by the kind of its key.</summary>
    public static AlertAction? ActionFor(Alert alert)
    {
        var (kind, user) = Split(alert.Key);
        return kind switch
        {
            "ssh-disabled" => new AlertAction("Re-enable SSH", "/services/ssh"),
            "no-2fa" => new AlertAction("See administrators", "/users"),
            "superlocked" => new AlertAction("How to unlock", "/users"),
            "recovery" or "console-unlock" or "console-password" => new AlertAction("See audit log", AuditUrl(user)),
            _ when alert.ActionUrl is { Length: > 0 } url => new AlertAction("Open", url),
            _ => null,
        };
    }

    private static string AuditUrl(string? user) => user is null ? "/audit" : $"/audit?user={Uri.EscapeDataString(user)}";

    private static (string Kind, string? User) Split(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (key, null) : (key[..colon], key[(colon + 1)..]);
    }
}
