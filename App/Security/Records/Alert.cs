namespace NasDash.Security.Records;

public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

public sealed class Alert
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>Identifies what the alert is about, e.g. "ssh-disabled" or "superlocked:alice"; one open alert per key.</summary>
    public string Key { get; set; } = "";
    public AlertSeverity Severity { get; set; }
    public string Message { get; set; } = "";
    public string? ActionUrl { get; set; }
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset? ClearedAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public bool IsOpen => ClearedAt is null && AcknowledgedAt is null;
}
