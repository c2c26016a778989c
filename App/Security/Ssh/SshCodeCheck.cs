namespace NasDash.Security.Ssh;

/// <summary>The verdict on one code typed at the SSH prompt of pam_nasdash.so.</summary>
public abstract record SshCodeResult(string Message)
{
    public sealed record Accepted(string Message) : SshCodeResult(Message);

    /// <summary>Refused; the message is shown at the SSH prompt and says why and what to do.</summary>
    public sealed record Refused(string Message) : SshCodeResult(Message);
}

/// <summary>
/// The SSH door of the one ledger: pam_nasdash.so asks this (over the console socket, or `nasdash console` on the
/// store) for every code typed at the SSH prompt. The decision is the web's own <see cref="TotpSecondFactor"/> under
/// the account's lock, committed before the answer: the same replay memory, the same failure counter toward T, the
/// same lockout event. Only Normal accepts a code; the SSH key has already been checked by sshd.
/// </summary>
public sealed class SshCodeCheck(
    IAccountStore accounts,
    ISettingsStore settings,
    AccountLocks locks,
    TotpSecondFactor totp,
    SecurityLedger ledger,
    IAuditLog audit,
    IAlertStore alerts,
    TimeProvider time)
{
    /// <summary>Audited as the web's TOTP step (<see cref="AuditNames.LoginTotp"/>), so the audit page, the notices and the event log treat both doors alike.</summary>
    public const string Door = "SSH";

    public Task<SshCodeResult> CheckAsync(string? userName, string? code, string? client, CancellationToken cancellationToken = default) =>
        string.IsNullOrWhiteSpace(userName) || userName.Length > SignInService.MaxUserNameLength
            ? Task.FromResult<SshCodeResult>(new SshCodeResult.Refused("No NasDash administrator by that name."))
            : locks.DecideAsync(() => DecideAsync(userName, code, client, cancellationToken));

    private async Task<SshCodeResult> DecideAsync(string userName, string? code, string? client, CancellationToken cancellationToken)
    {
        var normalized = Account.Normalize(userName);
        using var _ = await locks.AcquireAsync(normalized, cancellationToken);
        var account = accounts.FindByName(normalized);
        if (account is null)
        {
            Audit(null, client, "unknown-user", $"{Door}: {userName.Trim()} is no NasDash administrator");
            return new SshCodeResult.Refused($"{userName.Trim()} is not a NasDash administrator: with 2FA for SSH on, only NasDash administrators sign in by SSH.");
        }

        var current = settings.Get();
        var policy = current.TwoFactor;
        var name = account.UserName;
        if (account.IsSuperLocked || current.ApplianceLockedBy is not null)
        {
            var locked = account.IsSuperLocked ? name : current.ApplianceLockedBy!;
            Audit(name, client, "superlocked", $"{Door}: code not evaluated");
            return new SshCodeResult.Refused(
                $"{(locked == name ? $"{name}'s account" : "This appliance")} is super-locked: no code is accepted, by SSH or on the web, until someone runs 'nasdash console unlock {locked}' at the appliance's console.");
        }

        if (account.InRecovery)
        {
            Audit(name, client, "recovery", $"{Door}: code not evaluated");
            return new SshCodeResult.Refused(
                $"{name}'s account is in recovery after a lockout event: its authenticator is no longer trusted. Sign in on the web with {policy.RequiredCodesAtRecovery} backup codes and enrol a new authenticator; then SSH accepts its codes.");
        }

        switch (totp.Decide(account, code, policy, client))
        {
            case TotpDecision.Malformed:
                return new SshCodeResult.Refused("Enter the 6-digit code from your authenticator app.");
            case TotpDecision.SecretUnreadable:
                Audit(name, client, "secret-unreadable", $"{Door}: the Data Protection keys cannot decrypt the TOTP secret");
                return new SshCodeResult.Refused("This appliance cannot read your authenticator secret (its encryption keys are missing). Sign in on the web with your backup codes, or reset your second factor at the appliance console.");
            case TotpDecision.ClockOff clockOff:
                var offset = SignInService.ClockOffText(clockOff.Offset);
                ledger.Commit(account, Entry(name, client, "clock-off", $"{Door}: a right code for a time {offset} the appliance's clock; not counted"));
                alerts.Raise(AlertKeys.ClockOff, AlertSeverity.Warning,
                    $"A right authenticator code for {name} was for a time {offset} this appliance's clock. Check the appliance's time (NTP); until it is right, such codes are refused without counting.",
                    "/audit");
                return new SshCodeResult.Refused($"That code was right for a time {offset} the appliance's clock, so it is refused (not counted). Check the appliance's time.");
            case TotpDecision.Accepted:
                ledger.Commit(account, Entry(name, client, "succeeded", Door));
                return new SshCodeResult.Accepted($"Code accepted for {name}.");
            case TotpDecision.Wrong wrong:
                ledger.Commit(account, Entry(name, client, wrong.Replayed ? "replayed" : "failed", $"{Door}; failures={account.TotpFailures}"));
                if (wrong.Lockout is not null)
                {
                    return new SshCodeResult.Refused(
                        $"Wrong code. {policy.TotpFailuresBeforeRecovery} wrong codes in a row moved {name}'s account to recovery: SSH sign-in is switched off, and the web asks for {policy.RequiredCodesAtRecovery} backup codes.");
                }

                var what = wrong.Replayed ? "That code was already used" : "Wrong code";
                return new SshCodeResult.Refused(
                    $"{what}. {wrong.FailuresLeft} more wrong code{(wrong.FailuresLeft == 1 ? "" : "s")} (by SSH or on the web) move the account to recovery.");
            default:
                Audit(name, client, "not-enrolled", $"{Door}: no authenticator enrolled");
                return new SshCodeResult.Refused($"{name} has no authenticator enrolled: sign in on the web and enrol one; then SSH accepts its codes.");
        }
    }

    private AuditEvent Entry(string? user, string? client, string outcome, string detail) => new()
    {
        At = time.GetUtcNow(),
        UserName = user,
        ClientAddress = client,
        Event = AuditNames.LoginTotp.Id,
        Outcome = outcome,
        Detail = detail,
    };

    private void Audit(string? user, string? client, string outcome, string detail) => audit.Append(Entry(user, client, outcome, detail));
}
