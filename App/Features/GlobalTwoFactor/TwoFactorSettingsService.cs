using System.Globalization;
using NasDash.Features.Alerts;
using TwoFactorPolicy = NasDash.Security.Accounts.TwoFactorSettings;

namespace NasDash.Features.GlobalTwoFactor;

/// <summary>One consequence of proposed settings for one account (or for everyone when UserName is null).</summary>
public sealed record SettingsImpact(string? UserName, string What, string ToDo, bool Blocking);

/// <summary>A setting whose value would change, for the preview and the audit entry.</summary>
public sealed record SettingChange(string Setting, string Before, string After);

public sealed record SettingsPreview(IReadOnlyList<SettingChange> Changes, IReadOnlyList<SettingsImpact> Impacts)
{
    public bool Refused => Impacts.Any(i => i.Blocking);
}

public abstract record SaveSettingsResult
{
    private SaveSettingsResult()
    {
    }

    public sealed record Saved(SettingsPreview Preview) : SaveSettingsResult;
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : SaveSettingsResult;
    /// <summary>The settings would strand the administrators; nothing was saved.</summary>
    public sealed record Refused(SettingsPreview Preview) : SaveSettingsResult;
    public sealed record NothingChanged : SaveSettingsResult;
    /// <summary>No fresh TOTP code was confirmed for this change.</summary>
    public sealed record StepUpRequired : SaveSettingsResult;
}

/// <summary>
/// The Global Two Factor Authentication panel's decisions: what proposed settings would do to each account,
/// and saving them (validated again, refused when they strand the administrators, step-up checked, audited).
/// </summary>
public sealed class TwoFactorSettingsService(
    ISettingsStore settings,
    IAccountStore accounts,
    IAuditLog audit,
    StepUp stepUp,
    CurrentActor me,
    AlertRules alertRules,
    SecurityEvents events,
    ApplianceFacts facts,
    TimeProvider time)
{

    private static readonly TwoFactorSettingsValidator Validator = new();

    public TwoFactorPolicy Current() => settings.Get().TwoFactor;

    /// <summary>Validation messages by property name; empty when valid.</summary>
    public static IReadOnlyDictionary<string, string[]> Validate(TwoFactorPolicy proposed) =>
        Validator.Validate(proposed).ToDictionary().AsReadOnly();

    public SettingsPreview Preview(TwoFactorPolicy proposed) => Preview(Current(), proposed, accounts.All(), time.GetUtcNow());

    public static SettingsPreview Preview(TwoFactorPolicy current, TwoFactorPolicy proposed, IReadOnlyList<Account> all, DateTimeOffset now)
    {
        var impacts = new List<SettingsImpact>();
        var m = proposed.RequiredCodesAtRecovery;

        if (LeavesNoWayBack(current, proposed, all) is { Count: > 0 } stranded)
        {
            var who = string.Join(", ", stranded.Select(a => $"{a.UserName} has a set of {a.SecondFactor.BackupCodesInSet}"));
            impacts.Add(new SettingsImpact(null,
                $"No administrator would hold the {m} backup codes a recovery needs ({who}), so losing an authenticator would leave only the appliance console.",
                $"Generate a new set of backup codes at My account first, or keep the backup codes needed together at {current.RequiredCodesAtRecovery}.", Blocking: true));
        }

        foreach (var account in all.Where(a => !a.IsSuperLocked))
        {
            var held = account.SecondFactor.BackupCodesInSet;
            if (account.SecondFactor.IsEnrolled && !account.CanRecoverWithCodes(proposed) &&
                (account.CanRecoverWithCodes(current) || proposed.RequiredCodesAtRecovery > current.RequiredCodesAtRecovery))
            {
                impacts.Add(account.InRecovery
                    ? new SettingsImpact(account.UserName, $"is in Recovery with a set of {held} code{S(held)}; recovery would need {m}.{KeysNote(account)}",
                        "Reset their second factor on the Administrators page, or they need the console.", Blocking: false)
                    : new SettingsImpact(account.UserName, $"has a set of {held} backup code{S(held)}; recovery would need {m}.{KeysNote(account)}",
                        "They must generate a new set of backup codes at My account.", Blocking: false));
            }

            var gateBefore = account.AfterPassword(current, applianceLocked: false);
            var gateAfter = account.AfterPassword(proposed, applianceLocked: false);
            // Named even when a reset already requires their enrolment: turning 2FA on concerns them either way.
            if (gateAfter is SignInGate.MustEnrol or SignInGate.EnrolmentCode && proposed.EnforceForAdministrators && !current.EnforceForAdministrators)
            {
                impacts.Add(new SettingsImpact(account.UserName, "has no second factor enrolled.",
                    "At their next sign-in they must enrol an authenticator and save backup codes.", Blocking: false));
            }

            if (gateBefore == SignInGate.MustEnrol && gateAfter == SignInGate.PasswordOnly)
            {
                impacts.Add(new SettingsImpact(account.UserName, "has no second factor enrolled.",
                    "They would sign in with a password alone.", Blocking: false));
            }

            if (NextFailureNowSuperLocks(account, current, proposed))
            {
                impacts.Add(new SettingsImpact(account.UserName,
                    $"has {account.BackupFailures} failed backup-code submission{S(account.BackupFailures)} in this recovery.",
                    "Their next failed submission would super-lock the account.", Blocking: false));
            }

            if (NextFailureNowMovesToRecovery(account, current, proposed))
            {
                impacts.Add(new SettingsImpact(account.UserName, $"has {account.TotpFailures} wrong authenticator code{S(account.TotpFailures)} in a row.{KeysNote(account)}",
                    "Their next wrong code would move the account to Recovery.", Blocking: false));
            }
        }

        if (!proposed.EnforceForAdministrators && current.EnforceForAdministrators)
        {
            impacts.Add(new SettingsImpact(null, "2FA would no longer be required: a new administrator could sign in with a password alone.",
                "Keep it on unless a second factor is impossible for someone.", Blocking: false));
        }

        if (proposed.SuperLockScope == SuperLockScope.Appliance && current.SuperLockScope != SuperLockScope.Appliance)
        {
            impacts.Add(new SettingsImpact(null, "A super-lockout of any account would refuse every web sign-in until the console unlocks it.",
                "Make sure someone can reach the appliance's console.", Blocking: false));
        }

        if (proposed.SshTwoFactor != current.SshTwoFactor)
        {
            impacts.Add(new SettingsImpact(null, proposed.SshTwoFactor
                    ? "SSH sign-ins would ask for an authenticator code too, and a lockout event would switch SSH sign-in off until re-enabled."
                    : "SSH sign-ins would no longer ask for an authenticator code, and lockout events would leave SSH sign-in on.",
                "Check the SSH page after saving.", Blocking: false));
        }

        if (proposed.CodesPerUser != current.CodesPerUser)
        {
            impacts.Add(new SettingsImpact(null, $"New sets would have {proposed.CodesPerUser} codes; existing sets keep theirs.",
                "Nobody needs to act now.", Blocking: false));
        }

        return new SettingsPreview(Changes(current, proposed), impacts);
    }

    /// <summary>Saves for the signed-in administrator of this circuit, once a step-up for the change was accepted.</summary>
    public async Task<SaveSettingsResult> SaveAsync(TwoFactorPolicy proposed)
    {
        var errors = Validate(proposed);
        if (errors.Count > 0)
        {
            return new SaveSettingsResult.Invalid(errors);
        }

        var signedIn = await me.GetAsync();
        var actor = signedIn is null ? null : accounts.FindById(signedIn.AccountId);
        var client = signedIn?.ClientAddress;
        var stored = settings.Get();
        var current = stored.TwoFactor;
        if (actor is null)
        {
            return new SaveSettingsResult.StepUpRequired();
        }

        if (proposed == current)
        {
            return new SaveSettingsResult.NothingChanged();
        }

        var preview = Preview(current, proposed, accounts.All(), time.GetUtcNow());
        if (preview.Refused)
        {
            Audit(actor.UserName, client, "refused", preview);
            return new SaveSettingsResult.Refused(preview);
        }

        if (!stepUp.TryConsumeGrant(actor.Id, StepUpPurpose.SaveTwoFactorSettings))
        {
            return new SaveSettingsResult.StepUpRequired();
        }

        var saved = Entry(actor.UserName, client, "saved", preview);
        facts.Commit(new SecurityFact(SecurityFactKind.TwoFactorSettingsChanged, null, actor.UserName, client, saved.Detail), saved,
            () => settings.Update(s => s.TwoFactor = proposed));
        alertRules.Evaluate();
        events.NotifyChanged();
        return new SaveSettingsResult.Saved(preview);
    }

    /// <summary>
    /// The enrolled administrators who are not super-locked and still hold M codes: with none left, losing an
    /// authenticator means the console. Returns them when the change takes the last such way back away.
    /// </summary>
    private static List<Account> LeavesNoWayBack(TwoFactorPolicy current, TwoFactorPolicy proposed, IReadOnlyList<Account> all)
    {
        var candidates = all.Where(a => !a.IsSuperLocked).ToList();
        return candidates.Any(a => a.CanRecoverWithCodes(current)) && !candidates.Any(a => a.CanRecoverWithCodes(proposed))
            ? candidates
            : [];
    }

    /// <summary>In Recovery after failures, the proposed N makes the very next failed submission the super-locking one.</summary>
    internal static bool NextFailureNowSuperLocks(Account account, TwoFactorPolicy current, TwoFactorPolicy proposed) =>
        account.InRecovery && account.BackupFailures > 0 &&
        account.SubmissionsLeftBeforeSuperLockout(proposed) == 1 && account.SubmissionsLeftBeforeSuperLockout(current) > 1;

    /// <summary>After TOTP failures, the proposed T makes the very next wrong code the one that moves to Recovery.</summary>
    internal static bool NextFailureNowMovesToRecovery(Account account, TwoFactorPolicy current, TwoFactorPolicy proposed) =>
        account.AcceptsTotp && account.TotpFailures > 0 &&
        account.TotpFailuresLeft(proposed) == 1 && account.TotpFailuresLeft(current) > 1;

    public static IReadOnlyList<SettingChange> Changes(TwoFactorPolicy before, TwoFactorPolicy after)
    {
        var changes = new List<SettingChange>();
        void Add<T>(string name, T a, T b, Func<T, string> show)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                changes.Add(new SettingChange(name, show(a), show(b)));
            }
        }

        static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
        static string OnOff(bool b) => b ? "on" : "off";
        Add(Labels.Enforce, before.EnforceForAdministrators, after.EnforceForAdministrators, OnOff);
        Add(Labels.Window, before.TotpWindow, after.TotpWindow, Number);
        Add(Labels.CodeCount, before.CodesPerUser, after.CodesPerUser, Number);
        Add(Labels.RequiredCodes, before.RequiredCodesAtRecovery, after.RequiredCodesAtRecovery, Number);
        Add(Labels.MaxAttempts, before.MaxFailedBackupSubmissions, after.MaxFailedBackupSubmissions, Number);
        Add(Labels.TotpFailures, before.TotpFailuresBeforeRecovery, after.TotpFailuresBeforeRecovery, Number);
        Add(Labels.Scope, before.SuperLockScope, after.SuperLockScope, s => s == SuperLockScope.Appliance ? "appliance" : "account");
        Add(Labels.Ssh, before.SshTwoFactor, after.SshTwoFactor, OnOff);
        return changes;
    }

    private void Audit(string actor, string? client, string outcome, SettingsPreview preview) => audit.Append(Entry(actor, client, outcome, preview));

    private AuditEvent Entry(string actor, string? client, string outcome, SettingsPreview preview) => new()
    {
        At = time.GetUtcNow(),
        UserName = actor,
        ClientAddress = client,
        Event = AuditNames.SettingsTwoFactor.Id,
        Outcome = outcome,
        Detail = string.Join("; ", preview.Changes.Select(c => $"{c.Setting}: {c.Before} → {c.After}")),
    };

    private static string S(int n) => n == 1 ? "" : "s";

    // Recovery accepts no security key and a completed one removes them all: the preview says what that costs.
    private static string KeysNote(Account account) => account.SecurityKeys.Count switch
    {
        0 => "",
        1 => " In Recovery their security key no longer signs them in, and a completed recovery removes it.",
        var n => $" In Recovery their {n} security keys no longer sign them in, and a completed recovery removes them.",
    };

    /// <summary>Setting names as the panel, the preview and the audit log spell them.</summary>
    public static class Labels
    {
        public const string Enforce = "Two-factor sign-in required for every web administrator";
        public const string Window = "Authenticator clock tolerance";
        public const string CodeCount = "Backup codes per administrator";
        public const string RequiredCodes = "Backup codes needed together for a recovery";
        public const string MaxAttempts = "Failed backup-code attempts before super-lockout";
        public const string TotpFailures = "Wrong authenticator codes in a row before recovery is required";
        public const string Scope = "Super-lockout applies to";
        public const string Ssh = "Two-factor sign-in for SSH";
    }
}
