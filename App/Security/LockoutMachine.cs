namespace NasDash.Security;

/// <summary>
/// The per-account lockout state machine of DESIGN.md. Pure: it changes the account it is given and
/// reports the lockout events; the caller commits the account before anyone sees the verdict.
/// </summary>
public static class LockoutMachine
{
    /// <summary>The password failure that starts the throttle; each further one doubles the delay.</summary>
    public const int PasswordFailuresBeforeThrottle = 5;
    public static readonly TimeSpan FirstThrottleDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxThrottleDelay = TimeSpan.FromMinutes(15);

    public static TimeSpan ThrottleDelay(int passwordFailures)
    {
        var over = passwordFailures - PasswordFailuresBeforeThrottle;
        if (over < 0)
        {
            return TimeSpan.Zero;
        }

        var seconds = FirstThrottleDelay.TotalSeconds * Math.Pow(2, Math.Min(over, 10));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxThrottleDelay.TotalSeconds));
    }

    /// <summary>A wrong password: only throttles, never moves the second-factor counters.</summary>
    public static void PasswordFailed(Account account, DateTimeOffset now)
    {
        account.PasswordFailures++;
        var delay = ThrottleDelay(account.PasswordFailures);
        if (delay > TimeSpan.Zero)
        {
            account.LockedUntil = now + delay;
        }
    }

    /// <summary>A correct password clears the password counter only (aspnet/Identity#1353).</summary>
    public static void PasswordSucceeded(Account account)
    {
        account.PasswordFailures = 0;
        account.LockedUntil = null;
    }

    public static LockoutEvent? TotpFailed(Account account, TwoFactorSettings settings, DateTimeOffset now, string? client)
    {
        account.TotpFailures++;
        if (account.State == AccountState.Normal && account.TotpFailures >= settings.TotpFailuresBeforeRecovery)
        {
            Move(account, AccountState.Recovery, now);
            return new LockoutEvent(LockoutEventKind.MovedToRecovery, account.Id, account.UserName, client, now);
        }

        return null;
    }

    public static void TotpSucceeded(Account account, long step, DateTimeOffset now)
    {
        account.TotpFailures = 0;
        account.LastTotpStep = step;
        account.LastSignInAt = now;
    }

    /// <summary>The first backup-code submission of a recovery is itself a lockout event.</summary>
    public static LockoutEvent? BackupSubmissionStarted(Account account, DateTimeOffset now, string? client)
    {
        if (account.State != AccountState.Normal)
        {
            return null;
        }

        Move(account, AccountState.Recovery, now);
        return new LockoutEvent(LockoutEventKind.RecoveryStarted, account.Id, account.UserName, client, now);
    }

    public static LockoutEvent? BackupSubmissionFailed(Account account, TwoFactorSettings settings, DateTimeOffset now, string? client)
    {
        account.BackupFailures++;
        if (account.BackupFailures < settings.MaxFailedBackupSubmissions)
        {
            return null;
        }

        Move(account, AccountState.SuperLocked, now);
        account.RotateSecurityStamp();
        return new LockoutEvent(LockoutEventKind.SuperLocked, account.Id, account.UserName, client, now);
    }

    /// <summary>
    /// M valid codes: signed in, but TOTP and the whole batch are no longer trusted, so both are
    /// dropped and the user must enrol again before anything else.
    /// </summary>
    public static void RecoverySucceeded(Account account, DateTimeOffset now)
    {
        account.ProtectedTotpSecret = null;
        account.BackupCodes = null;
        account.MustEnrol = true;
        account.TotpFailures = 0;
        account.BackupFailures = 0;
        account.LastSignInAt = now;
        account.RotateSecurityStamp();
        Move(account, AccountState.Normal, now);
    }

    /// <summary>The console's unlock: lifts every lock and resets the second factor.</summary>
    public static void ConsoleUnlock(Account account, DateTimeOffset now)
    {
        account.ProtectedTotpSecret = null;
        account.BackupCodes = null;
        account.MustEnrol = true;
        account.PasswordFailures = 0;
        account.TotpFailures = 0;
        account.BackupFailures = 0;
        account.LockedUntil = null;
        account.RotateSecurityStamp();
        Move(account, AccountState.Normal, now);
    }

    /// <summary>
    /// Another administrator reset this user's second factor from the web: like the console's unlock, but a
    /// super-locked account is refused (only the console lifts that) and password throttling is left alone.
    /// </summary>
    public static void SecondFactorResetByAdministrator(Account account, DateTimeOffset now)
    {
        if (account.State == AccountState.SuperLocked)
        {
            throw new InvalidOperationException("A super-locked account can only be unlocked at the appliance console.");
        }

        account.ProtectedTotpSecret = null;
        account.BackupCodes = null;
        account.MustEnrol = true;
        account.TotpFailures = 0;
        account.BackupFailures = 0;
        account.RotateSecurityStamp();
        Move(account, AccountState.Normal, now);
    }

    /// <summary>The user verified a new authenticator; the old secret stops working now.</summary>
    public static void AuthenticatorRenewed(Account account, string protectedSecret, long acceptedStep)
    {
        account.ProtectedTotpSecret = protectedSecret;
        account.LastTotpStep = acceptedStep;
        account.TotpFailures = 0;
    }

    /// <summary>A new batch of backup codes replaces the old one as a whole.</summary>
    public static void BackupCodesRenewed(Account account, StoredBackupCodes codes)
    {
        account.BackupCodes = codes;
        account.BackupFailures = 0;
    }

    /// <summary>A completed enrolment: new secret and batch are in place.</summary>
    public static void Enrolled(Account account, string protectedSecret, long acceptedStep, StoredBackupCodes codes)
    {
        account.ProtectedTotpSecret = protectedSecret;
        account.LastTotpStep = acceptedStep;
        account.BackupCodes = codes;
        account.MustEnrol = false;
        account.TotpFailures = 0;
        account.BackupFailures = 0;
    }

    private static void Move(Account account, AccountState state, DateTimeOffset now)
    {
        account.State = state;
        account.StateSince = now;
    }
}
