using NasDash.Security;
using NasDash.Storage;

namespace NasDash.Features.Notifications;

/// <summary>
/// Writes every committed audit entry as one structured log line (journald, docker logs, fail2ban):
/// <c>security {Event} {Outcome} user={User} client={Client} detail={Detail}</c>, under the category
/// <c>NasDash.Security</c>, with a stable event id per audit event name (see README).
/// </summary>
public sealed class SecurityEventLog(LiteDbStore store, ILoggerFactory loggers) : IHostedService
{
    public const string Category = "NasDash.Security";
    public const string Template = "security {Event} {Outcome} user={User} client={Client} detail={Detail}";

    /// <summary>The stable event ids; an audit event not listed here logs as 1999.</summary>
    public static readonly IReadOnlyDictionary<string, int> EventIds = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["login.password"] = 1001,
        ["login.totp"] = 1002,
        ["login.backup-codes"] = 1003,
        ["stepup"] = 1004,
        ["login.refused"] = 1005,
        ["session.ticket"] = 1010,
        ["session.started"] = 1011,
        ["session.ended"] = 1012,
        ["ssh.disabled"] = 1020,
        ["ssh.enabled"] = 1021,
        ["lockout.handler"] = 1022,
        ["console.unlock"] = 1030,
        ["console.reset-password"] = 1031,
        ["console.ssh-enable"] = 1032,
        ["users.created"] = 1040,
        ["users.deleted"] = 1041,
        ["users.second-factor-reset"] = 1042,
        ["users.password-change-forced"] = 1043,
        ["account.password-changed"] = 1050,
        ["enrolment.completed"] = 1060,
        ["enrolment.totp-renewed"] = 1061,
        ["enrolment.codes-renewed"] = 1062,
        ["enrolment.code-issued"] = 1063,
        ["settings.two-factor"] = 1070,
        ["settings.notifications"] = 1071,
        ["notify.delivered"] = 1080,
        ["notify.failed"] = 1081,
        ["setup.completed"] = 1090,
        ["setup.token"] = 1091,
        ["alert.acknowledged"] = 1095,
    };

    public const int OtherEventId = 1999;

    private static readonly HashSet<string> Ordinary = new(StringComparer.Ordinal) { "succeeded", "saved", "signed-in" };
    private readonly ILogger _log = loggers.CreateLogger(Category);

    public static EventId IdOf(string auditEvent) => new(EventIds.GetValueOrDefault(auditEvent, OtherEventId), auditEvent);

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
        _log.Log(level, IdOf(entry.Event), Template, entry.Event, entry.Outcome, entry.UserName ?? "-", entry.ClientAddress ?? "-", entry.Detail ?? "-");
#pragma warning restore CA1848, CA2254
    }
}
