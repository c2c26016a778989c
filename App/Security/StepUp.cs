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
    TotpSecondFactor totp,
    SecurityEvents events,
    TimeProvider time)
{
    public static readonly TimeSpan GrantLifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(Guid AccountId, string Purpose), DateTimeOffset> _grants = new();

    public async Task<StepUpOutcome> VerifyAsync(Guid accountId, string? code, string purpose, string? client, CancellationToken cancellationToken = default)
    {
        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        if (locked is null)
        {
            return StepUpOutcome.Unavailable;
        }

        var account = locked.Account;
        var entry = new AuditEvent { At = time.GetUtcNow(), UserName = account.UserName, ClientAddress = client, Event = "stepup", Detail = purpose };
        switch (totp.Decide(account, code, settings.Get().TwoFactor, client))
        {
            case TotpDecision.Malformed:
                return StepUpOutcome.Malformed;
            case TotpDecision.Accepted:
                entry.Outcome = "succeeded";
                accounts.Update(account, entry);
                _grants[(account.Id, purpose)] = time.GetUtcNow() + GrantLifetime;
                return StepUpOutcome.Accepted;
            case TotpDecision.Wrong wrong:
                entry.Outcome = wrong.Replayed ? "replayed" : "failed";
                accounts.Update(account, entry);
                if (wrong.Lockout is not null)
                {
                    events.PublishLockout(wrong.Lockout);
                }

                return StepUpOutcome.Wrong;
            default:
                return StepUpOutcome.Unavailable;
        }
    }

    /// <summary>True once for a step-up accepted for this account and purpose within <see cref="GrantLifetime"/>.</summary>
    public bool TryConsumeGrant(Guid accountId, string purpose) =>
        _grants.TryRemove((accountId, purpose), out var expires) && expires > time.GetUtcNow();
}
