namespace NasDash.Security.Records;

public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string? UserName { get; set; }
    public string? ClientAddress { get; set; }
    /// <summary>What happened: the id of one of <see cref="AuditNames"/>.</summary>
    public string Event { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string? Detail { get; set; }
}

public sealed record AuditQuery(
    string? UserName = null,
    string? EventPrefix = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Skip = 0,
    int Take = 100,
    /// <summary>Only entries older than this id (a cursor: pages stay stable while new entries arrive).</summary>
    long? BeforeId = null);
