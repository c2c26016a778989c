namespace NasDash.Security.Notices;

public interface INotificationSettingsStore
{
    NotificationSettings GetNotificationSettings();
    /// <summary>Saves the settings and the audit entry in one transaction.</summary>
    void SaveNotificationSettings(NotificationSettings settings, AuditEvent audit);
}
