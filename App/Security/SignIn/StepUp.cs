using System.Collections.Concurrent;

namespace NasDash.Security.SignIn;

public enum StepUpOutcome
{
    Accepted,
    Malformed,
    Wrong,
    /// <summary>A right code for a time off the appliance's clock by more than the window: refused, nothing counted.</summary>
    ClockOff,
    /// <summary>The account has no TOTP to step up with, or it is locked.</summary>
    Unavailable,
}

/// <summary>A step-up's outcome, with how far off the clock is when it is <see cref="StepUpOutcome.ClockOff"/>.</summary>
public sealed record StepUpVerdict(StepUpOutcome Outcome, TimeSpan ClockOffset = default);

/// <summary>
/// What a step-up is for. <paramref name="Key"/> names the grant the service consumes (per target account where the
/// action has one, so a name reused by a new account gets no grant); <paramref name="Prompt"/> is the text shown
/// under the code field and written to the audit log.
/// </summary>
public sealed record StepUpPurpose(string Key, string Prompt)
{
    public static StepUpPurpose SaveTwoFactorSettings { get; } = new("two-factor-settings.save", "Save the Global Two Factor settings");

    public static StepUpPurpose EnableSsh { get; } = new("ssh.enable", "Re-enable SSH sign-in");

    public static StepUpPurpose CreateAdministrator { get; } = new("users.create", "Create an administrator");

    public static StepUpPurpose RenewAuthenticator { get; } = new("account.renew-authenticator", "Renew my authenticator");

    public static StepUpPurpose RenewBackupCodes { get; } = new("account.renew-backup-codes", "Generate new backup codes");

    public static StepUpPurpose DeleteAdministrator(Guid accountId, string userName) =>
        new($"users.delete:{accountId:N}", $"Delete administrator {userName}");

    public static StepUpPurpose ResetSecondFactor(Guid accountId, string userName) =>
        new($"users.reset-second-factor:{accountId:N}", $"Reset the second factor of {userName}");
}

/// <summary>
/// A fresh TOTP code asked before a sensitive change (settings, SSH re-enable, resetting another user).
/// Uses the same replay memory and failure counter as sign-in, so it is no side door for guessing.
/// An accepted code leaves a short-lived, single-use grant for its purpose, which the service making the
/// change consumes: the service never takes the page's word that a step-up happened.
/// </summary>
public sealed class StepUp(
    IAccountStore accounts,
    ISettingsStore settings,
    AccountLocks locks,
    TotpSecondFactor totp,
    SecurityLedger ledger,
    TimeProvider time)
{
    public static readonly TimeSpan GrantLifetime = TimeSpan.FromMinutes(5);

    // The monotonic timestamp of each grant: setting the wall clock neither voids nor extends it.
    private readonly ConcurrentDictionary<(Guid AccountId, string PurposeKey), long> _grants = new();

    public async Task<StepUpOutcome> VerifyAsync(Guid accountId, string? code, StepUpPurpose purpose, string? client, CancellationToken cancellationToken = default) =>
        (await JudgeAsync(accountId, code, purpose, client, cancellationToken)).Outcome;

    /// <summary>As <see cref="VerifyAsync"/>, with how far off the clock is when a right code was refused for it.</summary>
    public async Task<StepUpVerdict> JudgeAsync(Guid accountId, string? code, StepUpPurpose purpose, string? client, CancellationToken cancellationToken = default)
    {
        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        if (locked is null)
        {
            return new StepUpVerdict(StepUpOutcome.Unavailable);
        }

        var account = locked.Account;
        var entry = new AuditEvent { At = time.GetUtcNow(), UserName = account.UserName, ClientAddress = client, Event = AuditNames.StepUp.Id, Detail = purpose.Prompt };
        switch (totp.Decide(account, code, settings.Get().TwoFactor, client, signsIn: false))
        {
            case TotpDecision.Malformed:
                return new StepUpVerdict(StepUpOutcome.Malformed);
            case TotpDecision.Accepted:
                entry.Outcome = "succeeded";
                ledger.Commit(account, entry);
                _grants[(account.Id, purpose.Key)] = time.GetTimestamp();
                return new StepUpVerdict(StepUpOutcome.Accepted);
            case TotpDecision.ClockOff clockOff:
                // Not a guess: nothing counted; the person is told the clock is off, as at the sign-in page.
                entry.Outcome = "clock-off";
                entry.Detail = $"{purpose.Prompt}; a right code for a time {SignInService.ClockOffText(clockOff.Offset)} the appliance's clock; not counted";
                ledger.Commit(account, entry);
                return new StepUpVerdict(StepUpOutcome.ClockOff, clockOff.Offset);
            case TotpDecision.Wrong wrong:
                entry.Outcome = wrong.Replayed ? "replayed" : "failed";
                ledger.Commit(account, entry);
                return new StepUpVerdict(StepUpOutcome.Wrong);
            default:
                return new StepUpVerdict(StepUpOutcome.Unavailable);
        }
    }

    /// <summary>True once for a step-up accepted for this account and purpose within <see cref="GrantLifetime"/>.</summary>
    public bool TryConsumeGrant(Guid accountId, StepUpPurpose purpose) =>
        _grants.TryRemove((accountId, purpose.Key), out var granted) && time.GetElapsedTime(granted) < GrantLifetime;
}
