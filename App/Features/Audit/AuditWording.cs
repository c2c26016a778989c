namespace NasDash.Features.Audit;

/// <summary>How an outcome reads at a glance: one colour rule for every audit entry.</summary>
public enum OutcomeTone
{
    Neutral,
    Good,
    Warning,
    Bad,
}

/// <summary>
/// The audit log in a person's words: event ids (stable, dotted, kept in exports and shown on hover) named as
/// sentences, and every outcome sorted into one of four tones.
/// </summary>
public static class AuditWording
{
    private static readonly Dictionary<string, string> Events = new(StringComparer.Ordinal)
    {
        ["login.password"] = "Sign-in: password",
        ["login.totp"] = "Sign-in: authenticator code",
        ["login.backup-codes"] = "Sign-in: backup codes",
        ["login.security-key"] = "Sign-in: security key",
        ["login.enrolment-code"] = "Sign-in: enrolment code",
        ["login.refused"] = "Sign-in attempts refused (summary)",
        ["session.started"] = "Session started",
        ["session.ended"] = "Session ended",
        ["session.ticket"] = "Sign-in hand-over",
        ["stepup"] = "Confirmation with authenticator code",
        ["enrolment.completed"] = "Two-factor sign-in set up",
        ["enrolment.totp-renewed"] = "Authenticator app replaced",
        ["enrolment.codes-renewed"] = "Backup codes replaced",
        ["enrolment.code-issued"] = "Enrolment code issued",
        ["enrolment.authenticator-check"] = "Authenticator app check",
        ["account.password-changed"] = "Own password changed",
        ["account.security-key-added"] = "Security key added",
        ["account.security-key-removed"] = "Security key removed",
        ["account.api-token-created"] = "API token created",
        ["account.api-token-revoked"] = "API token revoked",
        ["users.created"] = "Administrator created",
        ["users.deleted"] = "Administrator deleted",
        ["users.second-factor-reset"] = "Second factor reset",
        ["users.password-change-forced"] = "Password change required",
        ["settings.two-factor"] = "Global Two Factor Authentication saved",
        ["settings.notifications"] = "Alert services saved",
        ["console.unlock"] = "Console: account unlocked",
        ["console.reset-password"] = "Console: password reset",
        ["console.ssh-enable"] = "Console: SSH sign-in re-enabled",
        ["lockout.superlocked"] = "Super-lockout",
        ["lockout.handler"] = "Lockout reaction",
        ["ssh.enabled"] = "SSH sign-in enabled",
        ["ssh.disabled"] = "SSH sign-in disabled",
        ["alert.acknowledged"] = "Alert acknowledged",
        ["setup.token"] = "Setup: token",
        ["setup.administrator"] = "Setup: administrator chosen",
        ["setup.authenticator"] = "Setup: authenticator app",
        ["setup.backup-codes"] = "Setup: backup codes saved",
        ["setup.completed"] = "Setup finished",
    };

    private static readonly string[] BadWords = ["fail", "refus", "replay", "lock", "unreadable", "revoked", "denied", "wrong"];
    private static readonly string[] WarningWords = ["throttl", "recovery", "cancel", "incomplete", "repaired", "none-issued", "required", "malformed", "expired"];
    private static readonly string[] GoodWords = ["succeed", "saved", "signed-in", "verified", "enrolled", "confirmed", "acknowledged", "chosen", "issued", "accepted"];

    /// <summary>The event in words; an id this list does not know reads as itself.</summary>
    public static string EventName(string id) =>
        Events.TryGetValue(id, out var name) ? name : id;

    /// <summary>The outcome as a person reads it: "signed-in" becomes "signed in".</summary>
    public static string OutcomeText(string outcome) => outcome.Replace('-', ' ');

    /// <summary>Bad words first: "superlocked" is bad even though it has no "fail", "throttled" a warning.</summary>
    public static OutcomeTone Tone(string outcome)
    {
        var value = outcome.ToLowerInvariant();
        return BadWords.Any(w => value.Contains(w, StringComparison.Ordinal)) ? OutcomeTone.Bad
            : WarningWords.Any(w => value.Contains(w, StringComparison.Ordinal)) ? OutcomeTone.Warning
            : GoodWords.Any(w => value.Contains(w, StringComparison.Ordinal)) ? OutcomeTone.Good
            : OutcomeTone.Neutral;
    }
}
