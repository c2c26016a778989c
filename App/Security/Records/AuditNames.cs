using System.Reflection;

namespace NasDash.Security.Records;

/// <summary>
/// One kind of audit entry: its stable dotted id (stored, exported, shown on hover), its words on /audit, and its event
/// id in the <c>security …</c> log line. Every entry is written with one of <see cref="AuditNames"/>, nowhere a string.
/// </summary>
public sealed record AuditName(string Id, string Words, int LogId)
{
    public override string ToString() => Id;
}

/// <summary>The audit vocabulary: the one place that gives each kind of entry its words and its log event id.</summary>
public static class AuditNames
{
    public static readonly AuditName LoginPassword = new("login.password", "Sign-in: password", 1001);
    public static readonly AuditName LoginTotp = new("login.totp", "Sign-in: authenticator code", 1002);
    public static readonly AuditName LoginBackupCodes = new("login.backup-codes", "Sign-in: backup codes", 1003);
    public static readonly AuditName StepUp = new("stepup", "Confirmation with authenticator code", 1004);
    public static readonly AuditName LoginRefused = new("login.refused", "Sign-in attempts refused (summary)", 1005);
    public static readonly AuditName LoginEnrolmentCode = new("login.enrolment-code", "Sign-in: enrolment code", 1006);
    public static readonly AuditName LoginSecurityKey = new("login.security-key", "Sign-in: security key", 1007);
    public static readonly AuditName SessionTicket = new("session.ticket", "Sign-in hand-over", 1010);
    public static readonly AuditName SessionStarted = new("session.started", "Session started", 1011);
    public static readonly AuditName SessionEnded = new("session.ended", "Session ended", 1012);
    public static readonly AuditName SshDisabled = new("ssh.disabled", "SSH sign-in disabled", 1020);
    public static readonly AuditName SshEnabled = new("ssh.enabled", "SSH sign-in enabled", 1021);
    public static readonly AuditName LockoutHandler = new("lockout.handler", "Lockout reaction", 1022);
    /// <summary>Written by older versions only; kept so their entries still read as words.</summary>
    public static readonly AuditName LockoutSuperLocked = new("lockout.superlocked", "Super-lockout", 1023);
    public static readonly AuditName ConsoleUnlock = new("console.unlock", "Console: account unlocked", 1030);
    public static readonly AuditName ConsoleResetPassword = new("console.reset-password", "Console: password reset", 1031);
    public static readonly AuditName ConsoleSshEnable = new("console.ssh-enable", "Console: SSH sign-in re-enabled", 1032);
    public static readonly AuditName ConsoleFleetLeave = new("console.fleet-leave", "Console: left the fleet (standalone again)", 1033);
    public static readonly AuditName ConsoleFleetJoin = new("console.fleet-join", "Console: joined the fleet", 1034);
    public static readonly AuditName UsersCreated = new("users.created", "Administrator created", 1040);
    public static readonly AuditName UsersDeleted = new("users.deleted", "Administrator deleted", 1041);
    public static readonly AuditName UsersSecondFactorReset = new("users.second-factor-reset", "Second factor reset", 1042);
    public static readonly AuditName UsersPasswordChangeForced = new("users.password-change-forced", "Password change required", 1043);
    public static readonly AuditName AccountPasswordChanged = new("account.password-changed", "Own password changed", 1050);
    public static readonly AuditName AccountSecurityKeyAdded = new("account.security-key-added", "Security key added", 1051);
    public static readonly AuditName AccountSecurityKeyRemoved = new("account.security-key-removed", "Security key removed", 1052);
    public static readonly AuditName AccountApiTokenCreated = new("account.api-token-created", "API token created", 1053);
    public static readonly AuditName AccountApiTokenRevoked = new("account.api-token-revoked", "API token revoked", 1054);
    public static readonly AuditName AccountReportedNotMe = new("account.reported-not-me", "Reported as not theirs (\"This wasn't me\")", 1055);
    public static readonly AuditName AccountAddressAdded = new("account.address-added", "Notification address added", 1056);
    /// <summary>A code entered for a pending address: "confirmed", or "failed" / "voided" / "expired" for one that did not fit.</summary>
    public static readonly AuditName AccountAddressConfirmed = new("account.address-confirmed", "Notification address confirmed", 1057);
    public static readonly AuditName AccountAddressRemoved = new("account.address-removed", "Notification address removed", 1058);
    public static readonly AuditName AccountAddressCodeSent = new("account.address-code-sent", "Notification address: new code", 1059);
    public static readonly AuditName EnrolmentCompleted = new("enrolment.completed", "Two-factor sign-in set up", 1060);
    public static readonly AuditName EnrolmentTotpRenewed = new("enrolment.totp-renewed", "Authenticator app replaced", 1061);
    public static readonly AuditName EnrolmentCodesRenewed = new("enrolment.codes-renewed", "Backup codes replaced", 1062);
    public static readonly AuditName EnrolmentCodeIssued = new("enrolment.code-issued", "Enrolment code issued", 1063);
    public static readonly AuditName EnrolmentAuthenticatorCheck = new("enrolment.authenticator-check", "Authenticator app check", 1064);
    public static readonly AuditName SettingsTwoFactor = new("settings.two-factor", "Global Two Factor Authentication saved", 1070);
    public static readonly AuditName SettingsNotifications = new("settings.notifications", "Alert services saved", 1071);
    public static readonly AuditName NotifyDelivered = new("notify.delivered", "Notice delivered", 1080);
    public static readonly AuditName NotifyFailed = new("notify.failed", "Notice not delivered", 1081);
    public static readonly AuditName SetupCompleted = new("setup.completed", "Setup finished", 1090);
    public static readonly AuditName SetupToken = new("setup.token", "Setup: token", 1091);
    public static readonly AuditName SetupAdministrator = new("setup.administrator", "Setup: administrator chosen", 1092);
    public static readonly AuditName SetupAuthenticator = new("setup.authenticator", "Setup: authenticator app", 1093);
    public static readonly AuditName SetupBackupCodes = new("setup.backup-codes", "Setup: backup codes saved", 1094);
    public static readonly AuditName AuditPruned = new("audit.pruned", "Audit log pruned (retention)", 1096);
    public static readonly AuditName AlertAcknowledged = new("alert.acknowledged", "Alert acknowledged", 1095);

    /// <summary>Every name above, in declaration order.</summary>
    public static IReadOnlyList<AuditName> All { get; } = typeof(AuditNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(AuditName))
        .Select(f => (AuditName)f.GetValue(null)!)
        .ToArray();

    private static readonly Dictionary<string, AuditName> ById = All.ToDictionary(n => n.Id, StringComparer.Ordinal);

    /// <summary>The name of a stored entry; null for an id this version does not know (a newer version wrote it).</summary>
    public static AuditName? Find(string id) => ById.GetValueOrDefault(id);
}
