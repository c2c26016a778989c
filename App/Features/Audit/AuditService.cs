using System.Globalization;
using System.Text;
using System.Text.Json;
using NasDash.Hosting;

namespace NasDash.Features.Audit;

/// <summary>The audit page's filter: user, event family and a time range (inclusive, UTC).</summary>
public sealed record AuditFilter(string? UserName = null, string? EventPrefix = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public AuditQuery ToQuery(int skip, int take) => new(
        string.IsNullOrWhiteSpace(UserName) ? null : UserName.Trim(),
        string.IsNullOrWhiteSpace(EventPrefix) ? null : EventPrefix.Trim(),
        From, To, skip, take);
}

public sealed record AuditEventsPage(IReadOnlyList<AuditEvent> Items, int Total);

/// <summary>Reading and exporting the audit log; the log itself is written by the services that act.</summary>
public sealed class AuditService(IAuditLog audit, IAccountStore accounts, NasDashOptions options)
{
    /// <summary>An export holds at most this many events (newest first); narrow the filter for more.</summary>
    public const int ExportLimit = 100_000;

    /// <summary>The event families of the filter, by the prefix of their dotted names.</summary>
    public static IReadOnlyList<(string Prefix, string Label)> EventFamilies { get; } =
    [
        ("login.", "Sign-in"),
        ("session.", "Sessions"),
        (AuditNames.StepUp.Id, "Step-up confirmations"),
        ("enrolment.", "Enrolment and renewals"),
        ("account.", "Own account changes"),
        ("users.", "Administrator changes"),
        ("settings.", "Settings"),
        ("console.", "Console actions"),
        ("lockout", "Lockout reactions"),
        ("ssh.", "SSH"),
        ("alert.", "Alerts"),
        ("setup.", "Setup"),
    ];

    public int RetentionDays => options.Audit.RetentionDays;

    public IReadOnlyList<string> UserNames() => accounts.All().Select(a => a.UserName).ToList();

    public int Count(AuditFilter filter) => audit.Count(filter.ToQuery(0, int.MaxValue));

    public AuditEventsPage Page(AuditFilter filter, int skip, int take)
    {
        var page = Math.Clamp(take, 1, 500);
        return new AuditEventsPage(audit.Query(filter.ToQuery(Math.Max(0, skip), page)), audit.Count(filter.ToQuery(0, int.MaxValue)));
    }

    /// <summary>Up to <paramref name="take"/> entries older than <paramref name="beforeId"/> (all when null), newest first.</summary>
    public IReadOnlyList<AuditEvent> Before(AuditFilter filter, long? beforeId, int take) =>
        audit.Query(filter.ToQuery(0, Math.Clamp(take, 1, 500)) with { BeforeId = beforeId });

    public static string CsvHeader => "time,user,client,event,outcome,detail\r\n";

    /// <summary>One CSV line (with its CRLF) of an entry.</summary>
    public static string CsvLine(AuditEvent e) =>
        string.Join(',', Time(e.At), Cell(e.UserName), Cell(e.ClientAddress), Cell(e.Event), Cell(e.Outcome), Cell(e.Detail)) + "\r\n";

    public static string FileName(string extension, DateTimeOffset now) =>
        $"nasdash-audit-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{extension}";

    public string Csv(AuditFilter filter)
    {
        var sb = new StringBuilder(CsvHeader);
        foreach (var e in Export(filter))
        {
            sb.Append(CsvLine(e));
        }

        return sb.ToString();
    }

    public string Json(AuditFilter filter) => JsonSerializer.Serialize(
        new
        {
            format = "nasdash-audit",
            version = 1,
            events = Export(filter).Select(e => new
            {
                time = Time(e.At),
                user = e.UserName,
                client = e.ClientAddress,
                @event = e.Event,
                outcome = e.Outcome,
                detail = e.Detail,
            }),
        },
        JsonOptions);

    private IReadOnlyList<AuditEvent> Export(AuditFilter filter) => audit.Query(filter.ToQuery(0, ExportLimit));

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 quoting, and a leading quote before = + - @ so a spreadsheet never runs a cell as a formula.</summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
