using NasDash.Storage;

namespace NasDash.Features.Notifications;

/// <summary>
/// Writes every committed audit entry as one structured log line (journald, docker logs, fail2ban):
/// <c>security {Event} {Outcome} user={User} client={Client} detail={Detail}</c>, under the category
/// <c>NasDash.Security</c>, with a stable event id per audit event name (see README). Every field is escaped
/// (<see cref="UntrustedText"/>; event, outcome, user and client are single tokens, spaces escaped too), so nothing
/// written into an audit entry can end the line or start another one.
/// </summary>
public sealed class SecurityEventLog(IStoreEngine store, ILoggerFactory loggers) : IHostedService
{
    public const string Category = "NasDash.Security";
    public const string Template = "security {Event} {Outcome} user={User} client={Client} detail={Detail}";

    public const int OtherEventId = 1999;

    /// <summary>Outcomes of a step that went as it should: Information. Every other outcome is a Warning.</summary>
    public static readonly IReadOnlySet<string> Ordinary = new HashSet<string>(StringComparer.Ordinal)
    {
        "succeeded", "saved", "signed-in", "signed-out", "chosen", "verified", "downloaded-and-confirmed", "issued",
        "delivered", "acknowledged", "accepted", "confirmed", "enrolled", "completed",
    };

    private readonly ILogger _log = loggers.CreateLogger(Category);

    /// <summary>The entry's event id from <see cref="AuditNames"/>; an id this version does not know logs as <see cref="OtherEventId"/>.</summary>
    public static EventId IdOf(string auditEvent) => new(AuditNames.Find(auditEvent)?.LogId ?? OtherEventId, auditEvent);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Audited += Write;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        store.Audited -= Write;
        return Task.CompletedTask;
    }

    public void Write(AuditEvent entry)
    {
        var level = Ordinary.Contains(entry.Outcome) ? LogLevel.Information : LogLevel.Warning;
#pragma warning disable CA1848, CA2254 // One constant template for every event; the event id varies, which LoggerMessage.Define cannot.
        _log.Log(level, IdOf(entry.Event), Template, UntrustedText.Token(entry.Event), UntrustedText.Token(entry.Outcome),
            Field(entry.UserName, UntrustedText.Token), Field(entry.ClientAddress, UntrustedText.Token), Field(entry.Detail, UntrustedText.Escape));
#pragma warning restore CA1848, CA2254
    }

    private static string Field(string? value, Func<string?, string> escape) => string.IsNullOrEmpty(value) ? "-" : escape(value);
}
