using System.Collections.Concurrent;

namespace NasDash.Security.SecurityKeys;

/// <summary>The start of a sign-in with a security key: options for the browser, or why there are none.</summary>
public abstract record SecurityKeyPrompt
{
    private SecurityKeyPrompt()
    {
    }

    public sealed record Ready(string OptionsJson) : SecurityKeyPrompt;
    public sealed record Refused(SecondFactorResult Result) : SecurityKeyPrompt;
}

/// <summary>
/// Sign-in with a security key after the password, as an alternative to the TOTP code. It enters through the
/// same admission as the other second factors (challenge, account lock, super-lockout, stamp), and each
/// ceremony's options are used at most once, taken under that lock. A key assertion cannot be guessed, so a
/// failed or cancelled ceremony is audited but moves no counter.
/// </summary>
public sealed class SecurityKeySignIn(
    SignInService signIns,
    IAccountStore accounts,
    SecurityLedger ledger,
    IAuditLog audit,
    SecurityKeyCeremonies ceremonies,
    PendingSignIns pending,
    TimeProvider time)
{
    public const string RefusedMessage = "That security key did not sign you in. Try again, use another key, or enter the code from your authenticator app.";
    public const string StartAgainMessage = "That sign-in with your key was already used or took too long. Try again.";

    // One open ceremony per password challenge; a new start replaces it.
    private readonly ConcurrentDictionary<string, SecurityKeyAssertion> _ceremonies = new(StringComparer.Ordinal);

    /// <summary>Whether the page should offer a key: the challenge's account accepts one now.</summary>
    public bool IsOffered(string? challengeId) =>
        pending.FindChallenge(challengeId) is { } challenge && accounts.FindById(challenge.AccountId) is { AcceptsSecurityKeys: true };

    public async Task<SecurityKeyPrompt> StartAsync(string challengeId, CancellationToken cancellationToken = default)
    {
        var admission = await signIns.AdmitAsync(challengeId, cancellationToken);
        using var locked = admission.Locked;
        if (locked is null)
        {
            return new SecurityKeyPrompt.Refused(admission.Refusal!);
        }

        var account = locked.Account;
        if (!account.AcceptsSecurityKeys)
        {
            return new SecurityKeyPrompt.Refused(NotAccepted(account, admission.Settings!));
        }

        Sweep();
        var ceremony = ceremonies.StartAssertion(account);
        _ceremonies[challengeId] = ceremony;
        return new SecurityKeyPrompt.Ready(ceremony.OptionsJson);
    }

    public async Task<SecondFactorResult> SubmitAsync(string challengeId, string? responseJson, string? client, CancellationToken cancellationToken = default)
    {
        var admission = await signIns.AdmitAsync(challengeId, cancellationToken);
        using var locked = admission.Locked;
        if (locked is null)
        {
            return admission.Refusal!;
        }

        var account = locked.Account;
        if (!_ceremonies.TryRemove(challengeId, out var ceremony))
        {
            Audit(account.UserName, client, "refused", "no open ceremony: replayed or never started");
            return new SecondFactorResult.Malformed(StartAgainMessage);
        }

        if (!account.AcceptsSecurityKeys)
        {
            return NotAccepted(account, admission.Settings!);
        }

        switch (await ceremonies.VerifyAssertionAsync(ceremony, responseJson, account, cancellationToken))
        {
            case AssertionCheck.Verified verified when verified.Key.AcceptsCounter(verified.SignatureCounter):
                account.SecurityKeyUsed(verified.Key.Id, verified.SignatureCounter, time.GetUtcNow());
                ledger.Commit(account, Entry(account.UserName, client, "succeeded", $"key '{verified.Key.Name}'"));
                pending.EndChallenge(challengeId);
                return new SecondFactorResult.SignedIn(account.Id, pending.IssueTicket(account, enrolment: false), MustEnrol: false);
            case AssertionCheck.Verified lowered:
                Audit(account.UserName, client, "refused",
                    $"key '{lowered.Key.Name}': signature counter {lowered.SignatureCounter} does not advance past {lowered.Key.SignatureCounter} (cloned key or replay)");
                return new SecondFactorResult.Malformed(RefusedMessage);
            case AssertionCheck.Refused refused:
                Audit(account.UserName, client, "refused", refused.Reason);
                return new SecondFactorResult.Malformed(RefusedMessage);
            default:
                throw new InvalidOperationException("Unknown assertion check.");
        }
    }

    /// <summary>The browser's ceremony ended without an assertion (cancelled, timed out, no matching key): audited only.</summary>
    public void CeremonyFailed(string challengeId, string? browserError, string? client)
    {
        if (pending.FindChallenge(challengeId) is not { } challenge || accounts.FindById(challenge.AccountId) is not { } account)
        {
            return;
        }

        _ceremonies.TryRemove(challengeId, out _);
        Audit(account.UserName, client, "cancelled", BrowserCeremonyError.Name(browserError));
    }

    private static SecondFactorResult NotAccepted(Account account, ApplianceSettings settings) =>
        account.InRecovery
            ? new SecondFactorResult.RecoveryRequired(settings.TwoFactor.RequiredCodesAtRecovery)
            : new SecondFactorResult.ChallengeExpired();

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, ceremony) in _ceremonies)
        {
            if (ceremony.ExpiresAt <= now)
            {
                _ceremonies.TryRemove(key, out _);
            }
        }
    }

    private AuditEvent Entry(string user, string? client, string outcome, string detail) => new()
    {
        At = time.GetUtcNow(),
        UserName = user,
        ClientAddress = client,
        Event = AuditNames.LoginSecurityKey.Id,
        Outcome = outcome,
        Detail = detail,
    };

    private void Audit(string user, string? client, string outcome, string detail) => audit.Append(Entry(user, client, outcome, detail));
}
