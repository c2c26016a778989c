namespace NasDash.Security.Records;

public interface IAlertStore
{
    /// <summary>Raises an alert, or refreshes the open one with the same key.</summary>
    Alert Raise(string key, AlertSeverity severity, string message, string? actionUrl);
    void Clear(string key);
    bool Acknowledge(Guid id, string by);
    IReadOnlyList<Alert> Open();
    IReadOnlyList<Alert> All(int limit);
}
