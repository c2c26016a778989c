using System.Globalization;

namespace NasDash.Features.Notifications;

public enum NoticeSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>A notice put into words: what happened, to whom, from where, the account's state now, and what to do.</summary>
public sealed record NoticeMessage(string Event, NoticeSeverity Severity, string? User, string Host, DateTimeOffset At, string Title, string Body, string Url)
{
    /// <summary>The notice's "This wasn't me" link (<c>&lt;dashboard&gt;/report/&lt;token&gt;</c>), when it is about an account.</summary>
    public string? ReportUrl { get; init; }

    /// <summary>The outbox notice's id (a fresh one for a test message): every copy of one notice carries it, so receivers can drop repeats.</summary>
    public Guid NoticeId { get; init; } = Guid.NewGuid();

    public string Text => $"{Title}\n\n{Body}";
}

/// <summary>
/// Writes the messages. Only the notice's fields go in: it never holds a secret, code or password. The fields someone
/// else may have written (user, client, actor, detail) are escaped, so none can add a line or a paragraph to a notice.
/// </summary>
public sealed class NoticeWriter(ApplianceIdentity appliance, DashboardAddress dashboard, ReportLinks? reportLinks = null)
{
    public NoticeMessage Write(OutboxNotice notice)
    {
        var user = notice.UserName is { Length: > 0 } named ? UntrustedText.Escape(named) : "an administrator";
        var host = appliance.HostName;
        var url = dashboard.Url;
        var from = notice.ClientAddress is { Length: > 0 } client ? $" from {UntrustedText.Escape(client)}" : "";
        var at = notice.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        var actor = notice.Actor is { Length: > 0 } acting ? UntrustedText.Escape(acting) : null;
        var detail = notice.Detail is { Length: > 0 } written ? UntrustedText.Escape(written) : null;
        var by = actor ?? user;
        var state = notice.AccountState is { } s ? $"\nAccount state now: {Describe(s)}." : "";
        var changeIt = $"sign in at {url}/account and change the password, or run 'nasdash console reset-password {user}' at the appliance";

        var (severity, title, body, path) = notice.Kind switch
        {
            SecurityNoticeKind.RecoveryStarted => (NoticeSeverity.Warning,
                $"Backup codes were entered for {user} on {host}",
                $"At {at}, someone signed in to {host} with {user}'s password{from} and entered backup codes: a recovery has started. " +
                $"Until it succeeds the account accepts only backup codes.{state}\n\n" +
                $"If this was not you, someone knows {user}'s password: {changeIt}, and look at the audit log at {url}/audit.",
                "/audit"),
            SecurityNoticeKind.RecoverySucceeded => (NoticeSeverity.Warning,
                $"{user} signed in to {host} with backup codes",
                $"At {at}, {user} signed in{from} with the password and backup codes. The authenticator and all old backup codes no longer work; " +
                $"{user} must set up a new authenticator and save new backup codes before anything else.{state}\n\n" +
                $"If this was not you, someone holds {user}'s password and backup codes: at the appliance run 'nasdash console unlock {user}' " +
                $"(resets the second factor and ends their sessions) and 'nasdash console reset-password {user}'.",
                "/audit"),
            SecurityNoticeKind.MovedToRecovery => (NoticeSeverity.Warning,
                $"{user} is in recovery after wrong authenticator codes on {host}",
                $"At {at}, the right password for {user} was entered{from}, followed by too many wrong authenticator codes. " +
                $"The account now accepts only backup codes.{state}\n\n" +
                $"If this was not you, someone knows {user}'s password: {changeIt}.",
                "/users"),
            SecurityNoticeKind.SuperLocked => (NoticeSeverity.Critical,
                $"{user} is super-locked on {host}",
                $"At {at}, too many {detail ?? "wrong backup-code submissions"}{from} super-locked {user}. Nobody can sign in as {user} from the web now, " +
                $"not even with the right password and codes.{state}\n\n" +
                $"To unlock it, run this on the appliance's console (it also resets the second factor):\n    nasdash console unlock {user}\n" +
                "If this was not you, someone knows the password: change it after the unlock with 'nasdash console reset-password " + user + "'.",
                "/users"),
            SecurityNoticeKind.SshDisabled => (NoticeSeverity.Critical,
                $"SSH login is switched off on {host}",
                $"At {at}, a lockout event of {user}{from} switched SSH login off on {host}: every SSH login is refused and current SSH sessions are ended within seconds." +
                (detail is { Length: > 0 } reason ? $"\nReason: {reason}." : "") + "\n\n" +
                $"Re-enable SSH at {url}/services/ssh (it asks a fresh authenticator code), or run 'nasdash console ssh-enable' at the appliance. " +
                $"If nobody you know caused the lockout, someone holds {user}'s password: look at the audit log at {url}/audit before re-enabling.",
                "/services/ssh"),
            SecurityNoticeKind.SshEnabled => (NoticeSeverity.Info,
                $"SSH login is enabled again on {host}",
                $"At {at}, {actor ?? (notice.UserName is { Length: > 0 } ? user : "the console")}{from} re-enabled SSH login on {host}.\n\n" +
                $"If this was not you, switch SSH off at the appliance and look at the audit log at {url}/audit.",
                "/services/ssh"),
            SecurityNoticeKind.ConsoleUnlock => (NoticeSeverity.Warning,
                $"{user} was unlocked at the console of {host}",
                $"At {at}, {by} unlocked {user} at the appliance's console: the lockout is lifted and the second factor reset. " +
                $"{user} signs in with the password and sets up a new authenticator.{state}\n\n" +
                "If nobody at the appliance did this, someone has local access to it.",
                "/users"),
            SecurityNoticeKind.SecondFactorReset => (NoticeSeverity.Warning,
                $"{user}'s second factor was reset on {host}",
                $"At {at}, {by}{from} reset {user}'s authenticator and backup codes. {user} sets up two-factor sign-in again at the next sign-in.{state}\n\n" +
                $"If this was not expected, look at the audit log at {url}/audit.",
                "/users"),
            SecurityNoticeKind.PasswordChanged => (NoticeSeverity.Warning,
                $"{user}'s password was changed on {host}",
                $"At {at}, {by}{from} changed {user}'s password; {user}'s other sessions were ended.{state}\n\n" +
                $"If this was not you, run 'nasdash console reset-password {user}' at the appliance.",
                "/account"),
            SecurityNoticeKind.TwoFactorSettingsChanged => (NoticeSeverity.Info,
                $"Global Two Factor settings were changed on {host}",
                $"At {at}, {by}{from} changed the Global Two Factor settings" +
                (detail is { Length: > 0 } changes ? $": {changes}." : ".") + "\n\n" +
                $"If this was not you, review them at {url}/settings/two-factor.",
                "/settings/two-factor"),
            SecurityNoticeKind.BackupCodesRegenerated => (NoticeSeverity.Info,
                $"New backup codes for {user} on {host}",
                $"At {at}, {user}{from} generated a new set of backup codes; the previous set no longer works.{state}\n\n" +
                $"If this was not you, someone is signed in as {user}: {changeIt}.",
                "/account"),
            SecurityNoticeKind.EnrolmentCodeIssued => (NoticeSeverity.Info,
                $"An enrolment code was issued for {user} on {host}",
                $"At {at}, {by}{from} issued a one-time enrolment code for {user}; it was shown only to whoever issued it and is not in this message. " +
                $"{user} needs it to set up a new authenticator.{state}\n\n" +
                $"If this was not expected, look at the audit log at {url}/audit.",
                "/users"),
            SecurityNoticeKind.PasswordChangeRequired => (NoticeSeverity.Warning,
                $"{user} must choose a new password on {host}",
                $"At {at}, {by}{from} required {user} to choose a new password at the next sign-in; {user}'s sessions were ended.{state}\n\n" +
                $"If this was not expected, look at the audit log at {url}/audit, and ask who did it.",
                "/users"),
            SecurityNoticeKind.SecondFactorEnrolled => (NoticeSeverity.Warning,
                $"A new authenticator was set up for {user} on {host}",
                $"At {at}, {user}{from} set up a new authenticator app and saved new backup codes; {user}'s other sessions were ended.{state}\n\n" +
                $"If this was not you, someone signed in as {user} and now holds the second factor: at the appliance run 'nasdash console unlock {user}' " +
                $"(resets it and ends their sessions) and 'nasdash console reset-password {user}'.",
                "/account"),
            SecurityNoticeKind.AuthenticatorRenewed => (NoticeSeverity.Warning,
                $"{user}'s authenticator app was replaced on {host}",
                $"At {at}, {user}{from} replaced the authenticator app; the old one no longer works and {user}'s other sessions were ended.{state}\n\n" +
                $"If this was not you, someone is signed in as {user}: at the appliance run 'nasdash console unlock {user}' and 'nasdash console reset-password {user}'.",
                "/account"),
            SecurityNoticeKind.SecurityKeyAdded => (NoticeSeverity.Warning,
                $"A security key was added for {user} on {host}",
                $"At {at}, {user}{from} registered a security key" + (detail is { Length: > 0 } added ? $" named '{added}'" : "") +
                $"; it signs {user} in instead of the authenticator code.{state}\n\n" +
                $"If this was not you, someone is signed in as {user}: remove the key at {url}/account, or at the appliance run 'nasdash console unlock {user}' " +
                "(removes every key and resets the second factor).",
                "/account"),
            SecurityNoticeKind.SecurityKeyRemoved => (NoticeSeverity.Warning,
                $"A security key was removed from {user} on {host}",
                $"At {at}, {user}{from} removed the security key" + (detail is { Length: > 0 } removed ? $" named '{removed}'" : "") +
                $"; {user}'s sessions were ended.{state}\n\n" +
                $"If this was not you, someone is signed in as {user}: {changeIt}.",
                "/account"),
            SecurityNoticeKind.AdministratorCreated => (NoticeSeverity.Warning,
                $"A new administrator {user} was created on {host}",
                $"At {at}, {by}{from} created the administrator {user} and issued a one-time enrolment code for them (not in this message).{state}\n\n" +
                $"If this was not expected, delete {user} at {url}/users, and find out who is signed in as {by}.",
                "/users"),
            SecurityNoticeKind.AdministratorDeleted => (NoticeSeverity.Warning,
                $"The administrator {user} was deleted on {host}",
                $"At {at}, {by}{from} deleted the administrator {user}; their sessions were ended.\n\n" +
                $"If this was not expected, look at the audit log at {url}/audit and find out who is signed in as {by}.",
                "/users"),
            SecurityNoticeKind.ApiTokenCreated => (NoticeSeverity.Info,
                $"An API token was created for {user} on {host}",
                $"At {at}, {user}{from} created an API token" + (detail is { Length: > 0 } token ? $": {token}." : ".") + " Scripts holding it can read the " +
                $"appliance's state; no token can change how anyone signs in.{state}\n\n" +
                $"If this was not you, someone is signed in as {user}: revoke the token at {url}/account and {changeIt}.",
                "/account"),
            SecurityNoticeKind.ApiTokenRevoked => (NoticeSeverity.Info,
                $"An API token of {user} was revoked on {host}",
                $"At {at}, {user}{from} revoked an API token" + (detail is { Length: > 0 } token ? $": {token}." : ".") + $" Scripts using it are refused from now on.{state}\n\n" +
                $"If this was not you, someone is signed in as {user}: {changeIt}.",
                "/account"),
            SecurityNoticeKind.ReportedNotMine => (NoticeSeverity.Critical,
                $"{user} reported a change as not theirs on {host}",
                $"At {at}, someone holding a notice about {user}" + (detail is { } reported ? $" ({Reported(reported)})" : "") +
                $" opened its \"This wasn't me\" link{from} and confirmed it: {user} reported a change as not theirs. Every session of {user} was ended; " +
                $"the password, the second factor and the lockout state are unchanged.{state}\n\n" +
                $"Find out what happened in the audit log at {url}/audit. If someone else holds {user}'s password or second factor, at the appliance run " +
                $"'nasdash console reset-password {user}' and 'nasdash console unlock {user}' (resets the second factor).",
                "/audit"),
            SecurityNoticeKind.NotificationAddressAdded => (NoticeSeverity.Warning,
                $"A notification address was added for {user} on {host}",
                $"At {at}, {user}{from} added the {detail ?? "address"} for notices about {user}. It receives them once the code sent to it is " +
                $"entered on {url}/account.{state}\n\n" +
                $"If this was not you, someone is signed in as {user} and wants to hear what you do next: remove the address at {url}/account and {changeIt}.",
                "/account"),
            SecurityNoticeKind.NotificationAddressConfirmed => (NoticeSeverity.Warning,
                $"{user} confirmed a notification address on {host}",
                $"At {at}, {user}{from} entered the code sent to the {detail ?? "address"}: notices about {user} go there too from now on.{state}\n\n" +
                $"If this was not you, someone is signed in as {user}: remove the address at {url}/account and {changeIt}.",
                "/account"),
            SecurityNoticeKind.NotificationAddressRemoved => (NoticeSeverity.Warning,
                $"A notification address of {user} was removed on {host}",
                $"At {at}, {user}{from} removed the {detail ?? "address"}: it receives no more notices about {user}.{state}\n\n" +
                $"If this was not you, someone is signed in as {user} and may want you to hear nothing: add the address again at {url}/account and {changeIt}.",
                "/account"),
            _ => throw new ArgumentOutOfRangeException(nameof(notice), notice.Kind, "Unknown notice kind."),
        };

        var reportUrl = reportLinks?.TokenOf(notice) is { } reportToken ? url + ReportLinks.Path + reportToken : null;
        if (reportUrl is not null)
        {
            body += $"\n\nNot you? Report it first: open {reportUrl} (no sign-in needed, valid for 7 days, once) and confirm: every session of {user} " +
                    "ends at once and the administrators are alerted. It changes nothing else.";
        }

        return new NoticeMessage(EventName(notice.Kind), severity, notice.UserName is { Length: > 0 } ? user : null, host, notice.At, title, body, url + path)
        {
            NoticeId = notice.Id,
            ReportUrl = reportUrl,
        };
    }

    /// <summary>A test message for "Send test".</summary>
    public NoticeMessage Test(string by) => new("test", NoticeSeverity.Info, UntrustedText.Escape(by), appliance.HostName, DateTimeOffset.UtcNow,
        $"Test notice from {appliance.HostName}",
        $"{UntrustedText.Escape(by)} sent this test from System › Alert services. Security notices of {appliance.HostName} will arrive here.",
        dashboard.Url + "/settings/notifications");

    /// <summary>
    /// The message that carries a confirmation code to an administrator's new address: the code, for whom, until when,
    /// and that nothing follows unless it is entered. Never queued, audited or logged.
    /// </summary>
    public NoticeMessage AddressCode(string owner, string code, DateTimeOffset at, DateTimeOffset validUntil)
    {
        var user = UntrustedText.Escape(owner);
        var host = appliance.HostName;
        var until = validUntil.UtcDateTime.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return new NoticeMessage(CodeMessageName, NoticeSeverity.Info, user, host, at,
            $"Confirmation code for {user} on {host}: {code}",
            $"{user} added this address on {host} to receive the security notices about their account. To confirm it, enter this code on " +
            $"{dashboard.Url}/account before {until}:\n\n    {code}\n\n" +
            "If you do not know what this is about, ignore this message: this address receives nothing more unless the code is entered.",
            dashboard.Url + "/account");
    }

    /// <summary>The event name of a confirmation code's message.</summary>
    public const string CodeMessageName = "notification-address-code";

    /// <summary>The stable name in webhook bodies and log lines: recovery-started, super-locked, …</summary>
    public static string EventName(SecurityNoticeKind kind) => kind switch
    {
        SecurityNoticeKind.RecoveryStarted => "recovery-started",
        SecurityNoticeKind.RecoverySucceeded => "recovery-succeeded",
        SecurityNoticeKind.MovedToRecovery => "moved-to-recovery",
        SecurityNoticeKind.SuperLocked => "super-locked",
        SecurityNoticeKind.SshDisabled => "ssh-disabled",
        SecurityNoticeKind.SshEnabled => "ssh-enabled",
        SecurityNoticeKind.ConsoleUnlock => "console-unlock",
        SecurityNoticeKind.SecondFactorReset => "second-factor-reset",
        SecurityNoticeKind.PasswordChanged => "password-changed",
        SecurityNoticeKind.TwoFactorSettingsChanged => "two-factor-settings-changed",
        SecurityNoticeKind.BackupCodesRegenerated => "backup-codes-regenerated",
        SecurityNoticeKind.EnrolmentCodeIssued => "enrolment-code-issued",
        SecurityNoticeKind.PasswordChangeRequired => "password-change-required",
        SecurityNoticeKind.SecondFactorEnrolled => "second-factor-enrolled",
        SecurityNoticeKind.AuthenticatorRenewed => "authenticator-renewed",
        SecurityNoticeKind.SecurityKeyAdded => "security-key-added",
        SecurityNoticeKind.SecurityKeyRemoved => "security-key-removed",
        SecurityNoticeKind.AdministratorCreated => "administrator-created",
        SecurityNoticeKind.AdministratorDeleted => "administrator-deleted",
        SecurityNoticeKind.ApiTokenCreated => "api-token-created",
        SecurityNoticeKind.ApiTokenRevoked => "api-token-revoked",
        SecurityNoticeKind.ReportedNotMine => "reported-not-mine",
        SecurityNoticeKind.NotificationAddressAdded => "notification-address-added",
        SecurityNoticeKind.NotificationAddressConfirmed => "notification-address-confirmed",
        SecurityNoticeKind.NotificationAddressRemoved => "notification-address-removed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown notice kind."),
    };

    public static string Label(SecurityNoticeKind kind) => kind switch
    {
        SecurityNoticeKind.RecoveryStarted => "Recovery started (backup codes entered)",
        SecurityNoticeKind.RecoverySucceeded => "Recovery succeeded",
        SecurityNoticeKind.MovedToRecovery => "Moved to recovery after wrong authenticator codes",
        SecurityNoticeKind.SuperLocked => "Super-lockout",
        SecurityNoticeKind.SshDisabled => "SSH sign-in disabled",
        SecurityNoticeKind.SshEnabled => "SSH sign-in re-enabled",
        SecurityNoticeKind.ConsoleUnlock => "Console unlock",
        SecurityNoticeKind.SecondFactorReset => "Second factor reset",
        SecurityNoticeKind.PasswordChanged => "Password changed",
        SecurityNoticeKind.TwoFactorSettingsChanged => "Global Two Factor settings changed",
        SecurityNoticeKind.BackupCodesRegenerated => "Backup codes regenerated",
        SecurityNoticeKind.EnrolmentCodeIssued => "Enrolment code issued",
        SecurityNoticeKind.PasswordChangeRequired => "New password required by an administrator",
        SecurityNoticeKind.SecondFactorEnrolled => "Two-factor sign-in set up again",
        SecurityNoticeKind.AuthenticatorRenewed => "Authenticator app replaced",
        SecurityNoticeKind.SecurityKeyAdded => "Security key added",
        SecurityNoticeKind.SecurityKeyRemoved => "Security key removed",
        SecurityNoticeKind.AdministratorCreated => "Administrator created",
        SecurityNoticeKind.AdministratorDeleted => "Administrator deleted",
        SecurityNoticeKind.ApiTokenCreated => "API token created",
        SecurityNoticeKind.ApiTokenRevoked => "API token revoked",
        SecurityNoticeKind.ReportedNotMine => "Reported as not theirs (\"This wasn't me\")",
        SecurityNoticeKind.NotificationAddressAdded => "Notification address added",
        SecurityNoticeKind.NotificationAddressConfirmed => "Notification address confirmed",
        SecurityNoticeKind.NotificationAddressRemoved => "Notification address removed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown notice kind."),
    };

    // The report's detail names the kind of the notice it came from.
    private static string Reported(string detail) =>
        Enum.TryParse<SecurityNoticeKind>(detail, out var kind) && Enum.IsDefined(kind) ? $"the notice \"{Label(kind)}\"" : detail;

    private static string Describe(AccountState state) => state switch
    {
        AccountState.Normal => "normal",
        AccountState.Recovery => "recovery (only backup codes accepted)",
        AccountState.SuperLocked => "super-locked (only the console can unlock it)",
        _ => state.ToString(),
    };
}
