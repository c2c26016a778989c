namespace NasDash.Security.Notices;

/// <summary>What a notice outside the dashboard (email, webhook) tells the administrator about.</summary>
public enum SecurityNoticeKind
{
    RecoveryStarted,
    RecoverySucceeded,
    MovedToRecovery,
    SuperLocked,
    SshDisabled,
    SshEnabled,
    ConsoleUnlock,
    SecondFactorReset,
    PasswordChanged,
    TwoFactorSettingsChanged,
    BackupCodesRegenerated,
    EnrolmentCodeIssued,
    PasswordChangeRequired,
    SecondFactorEnrolled,
    AuthenticatorRenewed,
    SecurityKeyAdded,
    SecurityKeyRemoved,
    AdministratorCreated,
    AdministratorDeleted,
    ApiTokenCreated,
    ApiTokenRevoked,
    ReportedNotMine,
    NotificationAddressAdded,
    NotificationAddressConfirmed,
    NotificationAddressRemoved,
}
