using System.Collections.Concurrent;

namespace NasDash.Security;

public enum StepUpOutcome
{
    Accepted,
    Malformed,
    Wrong,
    /// <summary>The account has no TOTP to step up with, or it is locked.</summary>
    Unavailable,
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
    TotpVerifier totp,
    SecretProtector secrets,
    SecurityEvents events,
    TimeProvider time)
{
    public static readonly TimeSpan GrantLifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(Guid AccountId, string Purpose), DateTimeOffset> _grants = new();

    public async Task<StepUpOutcome> VerifyAsync(Guid accountId, string? code, string purpose, string? client, CancellationToken cancellationToken = default)
    {
        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        var account = locked?.Account;
        if (account?.ProtectedTotpSecret is null || account.State != AccountState.Normal)
        {
            return StepUpOutcome.Unavailable;
        }

        var now = time.GetUtcNow();
        var policy = settings.Get().TwoFactor;
        if (!secrets.TryUnprotect(account.ProtectedTotpSecret, out var secret))
        {
            return StepUpOutcome.Unavailable;
        }

        var check = totp.Verify(secret, code, account.LastTotpStep, policy.TotpWindow);
        if (check.Outcome == TotpOutcome.Malformed)
        {
            return StepUpOutcome.Malformed;
        }

        var entry = new AuditEvent { At = now, UserName = account.UserName, ClientAddress = client, Event = "stepup", Detail = purpose };
        if (check.Outcome == TotpOutcome.Accepted)
        {
            LockoutMachine.TotpSucceeded(account, check.Step, now);
            entry.Outcome = "succeeded";
            accounts.Update(account, entry);
            _grants[(account.Id, purpose)] = now + GrantLifetime;
            return StepUpOutcome.Accepted;
        }

        var lockout = LockoutMachine.TotpFailed(account, policy, now, client);
        entry.Outcome = check.Outcome == TotpOutcome.Replayed ? "replayed" : "failed";
        accounts.Update(account, entry);
        if (lockout is not null)
        {
            events.PublishLockout(lockout);
        }

        return StepUpOutcome.Wrong;
    }

    /// <summary>True once for a step-up accepted for this account and purpose within <see cref="GrantLifetime"/>.</summary>
    public bool TryConsumeGrant(Guid accountId, string purpose) =>
        _grants.TryRemove((accountId, purpose), out var expires) && expires > time.GetUtcNow();
}
