using System.Text.Json.Serialization;

namespace NasDash.Security.Administration;

/// <summary>The verdict of an administrative action. Message is a one-line sentence for the operator.</summary>
public abstract record AdministrationResult(string Message)
{
    public bool Succeeded => this is Done;

    public sealed record Done(string Message) : AdministrationResult(Message);
    public sealed record UnknownUser(string UserName) : AdministrationResult($"There is no administrator named '{UserName}'.");
    /// <summary>The account (or SSH) is already in the state asked for; nothing was written.</summary>
    public sealed record NothingToDo(string Message) : AdministrationResult(Message);
    /// <summary>The input breaks a rule (e.g. the password policy); nothing was written.</summary>
    public sealed record Rejected(string Message) : AdministrationResult(Message);
}

/// <summary>What the console's status shows for one account.</summary>
public sealed record AccountStatus(
    string UserName,
    LockoutStatus State,
    DateTimeOffset StateSince,
    DateTimeOffset? LockedUntil,
    int PasswordFailures,
    int TotpFailures,
    int BackupFailures,
    bool TwoFactorEnrolled,
    // Keeps the JSON name scripts parse; it is the size of the current set, all valid until a recovery replaces it.
    [property: JsonPropertyName("backupCodesLeft")] int BackupCodesInSet,
    bool MustEnrol,
    DateTimeOffset? LastSignInAt,
    DateTimeOffset? BackupCodesGeneratedAt = null,
    // Attempts refused unevaluated (paused password budget or address, wrong enrolment codes), counted in the server's memory.
    int RefusedInLastHour = 0);

public sealed record SshLoginStatus(bool LoginDisabled, DateTimeOffset? DisabledAt, string? DisabledReason, bool TwoFactorForSsh);

public sealed record ApplianceStatus(IReadOnlyList<AccountStatus> Accounts, string? ApplianceLockedBy, SshLoginStatus Ssh, int RequiredCodesAtRecovery = 0);

/// <summary>
/// Account administration outside the sign-in flow: the local console's unlock and password reset (and later
/// the users page). Every change to an account is decided under that account's lock and committed, with its
/// audit entry, before the sessions are ended and the result is returned.
/// </summary>
public sealed class AccountAdministration(
    IAccountStore accounts,
    ISettingsStore settings,
    IAlertStore alerts,
    AccountLocks locks,
    PasswordHashing passwords,
    SecurityEvents events,
    SecurityLedger ledger,
    ApplianceFacts facts,
    EnrolmentCodes enrolmentCodes,
    RefusedSignIns refused,
    TimeProvider time,
    ISshControl? ssh = null)
{
    public const string ConsoleClient = "local console";

    /// <summary>
    /// Lifts any lockout (throttle, Recovery, super-lockout, the appliance-wide lock), resets the second factor
    /// (TOTP secret and backup codes cleared), revokes every device cookie of the account and issues the one-time
    /// enrolment code the user needs at the next sign-in. On an account already waiting for enrolment it issues a
    /// new code, replacing the older one.
    /// </summary>
    public async Task<AdministrationResult> UnlockAsync(string userName, string actor, CancellationToken cancellationToken = default)
    {
        var normalized = Account.Normalize(userName);
        using (await locks.AcquireAsync(normalized, cancellationToken))
        {
            var account = accounts.FindByName(normalized);
            if (account is null)
            {
                return new AdministrationResult.UnknownUser(userName.Trim());
            }

            var now = time.GetUtcNow();
            var current = settings.Get();
            var before = account.LockoutStatusAt(now);
            var applianceLock = current.ApplianceLockedBy;
            var (code, storedCode, validUntil) = enrolmentCodes.New();
            account.ConsoleUnlock(now, storedCode, validUntil);
            var issued = new IssuedEnrolmentCode(account.UserName, code, validUntil);
            var detail = $"by {actor}; was {before}; second factor reset, device cookies revoked, enrolment code issued (valid until {issued.ValidUntilText})" +
                         (applianceLock is null ? "" : $"; appliance-wide lock set by {applianceLock} lifted");
            // One commit: the account, the lifted appliance-wide lock, the alerts and the notice.
            ledger.Commit(account, Entry(account.UserName, AuditNames.ConsoleUnlock.Id, "succeeded", detail), () =>
            {
                if (applianceLock is not null)
                {
                    settings.Update(s => s.ApplianceLockedBy = null);
                }

                alerts.Clear(AlertKeys.SuperLocked(normalized));
                alerts.Clear(AlertKeys.Recovery(normalized));
                alerts.Raise(AlertKeys.ConsoleUnlock(normalized), AlertSeverity.Info,
                    $"{account.UserName} was unlocked at the local console by {actor}: lockout lifted, second factor reset; {account.UserName} enrols again at the next sign-in.",
                    "/audit");
            });
            events.EndSessions(account.Id);

            var message = $"Unlocked {account.UserName} (was {before}). TOTP secret and backup codes cleared; sessions and device cookies ended. {account.UserName} signs in with the password, enters the enrolment code and enrols again. The enrolment code below is the way back in: on the sign-in page choose \"I have an enrolment code\"; it works even while sign-in is paused.";
            if (applianceLock is not null && Account.Normalize(applianceLock) != normalized)
            {
                message += $" The appliance-wide lock set by {applianceLock}'s super-lockout is lifted; {applianceLock} stays locked.";
            }
            else if (applianceLock is not null)
            {
                message += " The appliance-wide lock is lifted.";
            }

            return new AdministrationResult.Done(message + Environment.NewLine + issued.ConsoleLine);
        }
    }

    /// <summary>Sets a new password (validated as the setup wizard does) and ends the user's sessions.</summary>
    public async Task<AdministrationResult> ResetPasswordAsync(string userName, string newPassword, string actor, CancellationToken cancellationToken = default)
    {
        var normalized = Account.Normalize(userName);
        using (await locks.AcquireAsync(normalized, cancellationToken))
        {
            var account = accounts.FindByName(normalized);
            if (account is null)
            {
                return new AdministrationResult.UnknownUser(userName.Trim());
            }

            var validation = await new NewPasswordValidator().ValidateAsync(new NewPassword(account.UserName, newPassword, newPassword), cancellationToken);
            if (!validation.IsValid)
            {
                return new AdministrationResult.Rejected(string.Join(" ", validation.Errors.Select(e => e.ErrorMessage).Distinct()));
            }

            // A new password ends the password throttle and revokes the device cookies, never the second-factor counters.
            account.PasswordChanged(passwords.Hash(newPassword));
            ledger.Commit(account, Entry(account.UserName, AuditNames.ConsoleResetPassword.Id, "succeeded", $"by {actor}"));
            alerts.Raise(AlertKeys.ConsolePassword(normalized), AlertSeverity.Info,
                $"The password of {account.UserName} was reset at the local console by {actor}.", "/audit");
            events.EndSessions(account.Id);

            var state = account.LockoutStatusAt(time.GetUtcNow());
            var note = state == LockoutStatus.Normal ? "" : $" The account is still {state}: 'nasdash console unlock {account.UserName}' lifts that.";
            return new AdministrationResult.Done($"Password of {account.UserName} changed; their sessions and device cookies ended.{note}");
        }
    }

    public ApplianceStatus Status()
    {
        var now = time.GetUtcNow();
        var current = settings.Get();
        var list = accounts.All().Select(a => new AccountStatus(
            a.UserName, a.LockoutStatusAt(now), a.StateSince, a.LockedUntil, a.PasswordFailures, a.TotpFailures, a.BackupFailures,
            a.SecondFactor.IsEnrolled, a.SecondFactor.BackupCodesInSet, a.MustEnrol, a.LastSignInAt, a.SecondFactor.BackupCodes?.GeneratedAt, refused.InLastHour(a.Id))).ToList();
        return new ApplianceStatus(list, current.ApplianceLockedBy,
            new SshLoginStatus(current.Ssh.LoginDisabled, current.Ssh.DisabledAt, current.Ssh.DisabledReason, current.TwoFactor.SshTwoFactor),
            current.TwoFactor.RequiredCodesAtRecovery);
    }

    /// <summary>Re-enables SSH login after a lockout event switched it off.</summary>
    public AdministrationResult EnableSsh(string actor)
    {
        if (ssh is not null)
        {
            var change = ssh.EnableLoginFromConsole(actor, ConsoleClient);
            events.NotifyChanged();
            return change.Succeeded ? new AdministrationResult.Done(change.Message) : new AdministrationResult.Rejected(change.Message);
        }

        // No SSH control in this build: only the recorded state can be changed, sshd is not touched.
        var current = settings.Get();
        if (!current.Ssh.LoginDisabled)
        {
            return new AdministrationResult.NothingToDo("SSH login is not disabled.");
        }

        facts.Commit(new SecurityFact(SecurityFactKind.SshEnabled, null, null, ConsoleClient),
            Entry(null, AuditNames.ConsoleSshEnable.Id, "succeeded", $"by {actor}; recorded state only, no SSH control installed"), () =>
            {
                settings.Update(s => s.Ssh = new SshState());
                alerts.Clear(AlertKeys.SshDisabled);
            });
        return new AdministrationResult.Done("SSH login is marked enabled. No SSH control is installed in this build, so sshd itself was not changed.");
    }

    private AuditEvent Entry(string? user, string name, string outcome, string detail) => new()
    {
        At = time.GetUtcNow(),
        UserName = user,
        ClientAddress = ConsoleClient,
        Event = name,
        Outcome = outcome,
        Detail = detail,
    };
}
