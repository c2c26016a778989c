namespace NasDash.Security.SignIn;

/// <summary>The verdict on one TOTP code for an account, before it is committed.</summary>
public abstract record TotpDecision
{
    private TotpDecision()
    {
    }

    /// <summary>The account changed (counter cleared, step remembered): commit it.</summary>
    public sealed record Accepted : TotpDecision;
    /// <summary>Not six digits: not a guess, nothing changed.</summary>
    public sealed record Malformed : TotpDecision;
    /// <summary>The account does not accept TOTP now (no secret, or not in Normal): nothing changed.</summary>
    public sealed record NotAccepted : TotpDecision;
    /// <summary>The stored secret cannot be decrypted (lost Data Protection keys): nothing changed.</summary>
    public sealed record SecretUnreadable : TotpDecision;
    /// <summary>A right code for another time than the clock's: not counted; commit it (a coming step is remembered as refused).</summary>
    public sealed record ClockOff(TimeSpan Offset) : TotpDecision;
    /// <summary>Counted as a failure: commit it; a lockout event is published after the commit.</summary>
    public sealed record Wrong(bool Replayed, int FailuresLeft, LockoutEvent? Lockout) : TotpDecision;
}

/// <summary>
/// The one TOTP check of the core, used by sign-in and by step-up alike: same replay memory, same failure
/// counter, so a step-up is no side door for guessing. The caller holds the account's lock and commits.
/// </summary>
public sealed class TotpSecondFactor(TotpVerifier totp, SecretProtector secrets, TimeProvider time)
{
    /// <param name="signsIn">False for a step-up: the person is signed in already, so "last sign-in" stays.</param>
    public TotpDecision Decide(Account account, string? code, TwoFactorSettings settings, string? client, bool signsIn = true)
    {
        if (!account.AcceptsTotp)
        {
            return new TotpDecision.NotAccepted();
        }

        if (!secrets.TryUnprotect(account.SecondFactor.ProtectedTotpSecret!, out var secret))
        {
            return new TotpDecision.SecretUnreadable();
        }

        var check = totp.Verify(secret, code, account.SecondFactor.LastTotpStep, settings.TotpWindow, account.SecondFactor.ClockOffSteps);
        var now = time.GetUtcNow();
        switch (check.Outcome)
        {
            case TotpOutcome.Malformed:
                return new TotpDecision.Malformed();
            case TotpOutcome.ClockOff:
                account.TotpClockOff(check.Step, TotpVerifier.StepAt(now), settings.TotpWindow);
                return new TotpDecision.ClockOff(TimeSpan.FromSeconds(check.StepsOff * TotpVerifier.StepSeconds));
            case TotpOutcome.Accepted:
                account.TotpAccepted(check.Step, now, signsIn);
                return new TotpDecision.Accepted();
            default:
                var lockout = account.TotpFailed(settings, now, client);
                return new TotpDecision.Wrong(check.Outcome == TotpOutcome.Replayed, account.TotpFailuresLeft(settings), lockout);
        }
    }
}
