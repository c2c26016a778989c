using System.Security.Cryptography;

namespace NasDash.Security;

/// <summary>Persisted lockout state; Throttled is derived from <see cref="Account.LockedUntil"/>.</summary>
public enum AccountState
{
    Normal = 0,
    Throttled = 1,
    Recovery = 2,
    SuperLocked = 3,
}

/// <summary>
/// A web administrator: credentials, second factor and the lockout state machine of DESIGN.md. Every change is
/// a method that refuses an illegal move; what each state accepts is asked of its queries, nowhere else. The
/// methods only change this object and report lockout events: the caller commits it before anyone sees a verdict.
/// </summary>
public sealed class Account
{
    // For the store's mapper, which sets the private setters from the stored document.
    private Account()
    {
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public string UserName { get; private set; } = "";
    /// <summary>Lower-invariant user name: the unique key, so "Alice" and "alice" are one account.</summary>
    public string NormalizedUserName { get; private set; } = "";
    public string PasswordHash { get; private set; } = "";
    /// <summary>TOTP secret encrypted with Data Protection; null when the user must enrol.</summary>
    public string? ProtectedTotpSecret { get; private set; }
    /// <summary>Highest TOTP time step ever accepted (RFC 6238 §5.2: only later steps are accepted).</summary>
    public long LastTotpStep { get; private set; } = -1;
    public StoredBackupCodes? BackupCodes { get; private set; }

    public AccountState State { get; private set; } = AccountState.Normal;
    public DateTimeOffset StateSince { get; private set; }
    public DateTimeOffset? LockedUntil { get; private set; }
    public int PasswordFailures { get; private set; }
    public int TotpFailures { get; private set; }
    public int BackupFailures { get; private set; }

    /// <summary>Changing it ends every session of this user (cookies and open circuits).</summary>
    public string SecurityStamp { get; private set; } = NewStamp();
    /// <summary>Set by a recovery or a reset: the next sign-in must enrol a new TOTP secret and batch of codes.</summary>
    public bool MustEnrol { get; private set; }
    public bool MustChangePassword { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? LastSignInAt { get; private set; }

    /// <summary>An administrator who has yet to enrol a second factor (created on /users, or before 2FA was required).</summary>
    public static Account Create(string userName, string passwordHash, DateTimeOffset now, bool mustEnrol = true, bool mustChangePassword = false)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(passwordHash))
        {
            throw new ArgumentException("An account needs a user name and a password hash.");
        }

        var name = userName.Trim();
        return new Account
        {
            UserName = name,
            NormalizedUserName = Normalize(name),
            PasswordHash = passwordHash,
            MustEnrol = mustEnrol,
            MustChangePassword = mustChangePassword,
            CreatedAt = now,
            StateSince = now,
        };
    }

    /// <summary>The first administrator, whose enrolment the setup wizard completed before the account exists.</summary>
    public static Account CreateEnrolled(string userName, string passwordHash, DateTimeOffset now, string protectedSecret, long acceptedStep, StoredBackupCodes codes)
    {
        var account = Create(userName, passwordHash, now);
        account.Enrolled(protectedSecret, acceptedStep, codes);
        return account;
    }

    public bool HasTotp => ProtectedTotpSecret is not null;
    public bool IsEnrolled => HasTotp && BackupCodes is not null;
    public int BackupCodesLeft => BackupCodes?.Remaining ?? 0;

    /// <summary>Password attempts are refused unevaluated until <see cref="LockedUntil"/>, whatever the state.</summary>
    public bool IsThrottled(DateTimeOffset now) => LockedUntil is { } until && until > now;

    public AccountState EffectiveState(DateTimeOffset now) =>
        State == AccountState.Normal && IsThrottled(now) ? AccountState.Throttled : State;

    /// <summary>A TOTP code is evaluated only in Normal: in Recovery the authenticator is no longer trusted.</summary>
    public bool AcceptsTotp => State == AccountState.Normal && HasTotp;

    /// <summary>Backup codes are evaluated in Normal (which starts a recovery) and in Recovery; never when super-locked.</summary>
    public bool AcceptsBackupCodes => State is AccountState.Normal or AccountState.Recovery && BackupCodes is not null;

    /// <summary>Where a sign-in attempt leads now: refused while throttled, otherwise <see cref="AfterPassword"/>.</summary>
    public SignInGate MaySignIn(TwoFactorSettings settings, bool applianceLocked, DateTimeOffset now) =>
        IsThrottled(now) ? SignInGate.Throttled : AfterPassword(settings, applianceLocked);

    /// <summary>What a correct password leads to under <paramref name="settings"/>: the one answer sign-in and the settings preview share.</summary>
    public SignInGate AfterPassword(TwoFactorSettings settings, bool applianceLocked) =>
        State == AccountState.SuperLocked || applianceLocked ? SignInGate.SuperLocked
        : !IsEnrolled ? (MustEnrol || settings.EnforceForAdministrators ? SignInGate.MustEnrol : SignInGate.PasswordOnly)
        : State == AccountState.Recovery ? SignInGate.BackupCodes
        : SignInGate.Totp;

    /// <summary>Wrong TOTP codes still allowed before the next one moves the account to Recovery (0 when it no longer accepts TOTP).</summary>
    public int TotpFailuresLeft(TwoFactorSettings settings) =>
        AcceptsTotp ? Math.Max(1, settings.TotpFailuresBeforeRecovery - TotpFailures) : 0;

    /// <summary>Failed backup-code submissions still allowed, the last of which super-locks (0 once super-locked).</summary>
    public int SubmissionsLeftBeforeSuperLockout(TwoFactorSettings settings) =>
        State == AccountState.SuperLocked ? 0 : Math.Max(1, settings.MaxFailedBackupSubmissions - BackupFailures);

    /// <summary>Holds the M codes a recovery asks for, so losing the authenticator does not mean the console.</summary>
    public bool CanRecoverWithCodes(TwoFactorSettings settings) => !IsEnrolled || BackupCodesLeft >= settings.RequiredCodesAtRecovery;

    /// <summary>A wrong password: only throttles, never moves the second-factor counters.</summary>
    public void PasswordFailed(DateTimeOffset now)
    {
        PasswordFailures++;
        var delay = PasswordThrottle.Delay(PasswordFailures);
        if (delay > TimeSpan.Zero)
        {
            LockedUntil = now + delay;
        }
    }

    /// <summary>A correct password clears the password counter only (aspnet/Identity#1353).</summary>
    public void PasswordSucceeded(string? upgradedHash = null)
    {
        PasswordFailures = 0;
        LockedUntil = null;
        if (upgradedHash is not null)
        {
            PasswordHash = upgradedHash;
        }
    }

    /// <summary>Signed in on the password alone: allowed only while nothing asks for a second factor.</summary>
    public void SignedInWithPasswordOnly(TwoFactorSettings settings, DateTimeOffset now)
    {
        if (IsEnrolled || MustEnrol || settings.EnforceForAdministrators || State != AccountState.Normal)
        {
            throw new InvalidOperationException($"{UserName} needs a second factor to sign in.");
        }

        LastSignInAt = now;
    }

    /// <summary>A new password chosen by the user or set at the console: ends the password throttle and every session.</summary>
    public void PasswordChanged(string newHash)
    {
        PasswordSucceeded(newHash);
        MustChangePassword = false;
        RotateSecurityStamp();
    }

    /// <summary>Another administrator requires a new password at the next sign-in; their sessions end.</summary>
    public void RequirePasswordChange()
    {
        RefuseIfSuperLocked();
        MustChangePassword = true;
        RotateSecurityStamp();
    }

    public void TotpAccepted(long step, DateTimeOffset now)
    {
        if (!AcceptsTotp || step <= LastTotpStep)
        {
            throw new InvalidOperationException($"{UserName} cannot accept a TOTP code for step {step} now.");
        }

        TotpFailures = 0;
        LastTotpStep = step;
        LastSignInAt = now;
    }

    /// <summary>A wrong or replayed code; the T-th in a row moves the account to Recovery (a lockout event).</summary>
    public LockoutEvent? TotpFailed(TwoFactorSettings settings, DateTimeOffset now, string? client)
    {
        if (!AcceptsTotp)
        {
            throw new InvalidOperationException($"{UserName} does not accept TOTP codes now.");
        }

        TotpFailures++;
        if (TotpFailures < settings.TotpFailuresBeforeRecovery)
        {
            return null;
        }

        Move(AccountState.Recovery, now);
        return new LockoutEvent(LockoutEventKind.MovedToRecovery, Id, UserName, client, now);
    }

    /// <summary>The first backup-code submission of a recovery is itself a lockout event.</summary>
    public LockoutEvent? BackupSubmissionStarted(DateTimeOffset now, string? client)
    {
        RefuseUnlessAcceptsBackupCodes();
        if (State != AccountState.Normal)
        {
            return null;
        }

        Move(AccountState.Recovery, now);
        return new LockoutEvent(LockoutEventKind.RecoveryStarted, Id, UserName, client, now);
    }

    /// <summary>A submission with any wrong code; the N-th in a row super-locks and ends every session.</summary>
    public LockoutEvent? BackupSubmissionFailed(TwoFactorSettings settings, DateTimeOffset now, string? client)
    {
        RefuseUnlessAcceptsBackupCodes();
        BackupFailures++;
        if (BackupFailures < settings.MaxFailedBackupSubmissions)
        {
            return null;
        }

        Move(AccountState.SuperLocked, now);
        RotateSecurityStamp();
        return new LockoutEvent(LockoutEventKind.SuperLocked, Id, UserName, client, now);
    }

    /// <summary>
    /// M valid codes: signed in, but TOTP and the whole batch are no longer trusted, so both are
    /// dropped and the user must enrol again before anything else.
    /// </summary>
    public void RecoverySucceeded(DateTimeOffset now)
    {
        RefuseUnlessAcceptsBackupCodes();
        ClearSecondFactor();
        LastSignInAt = now;
        Move(AccountState.Normal, now);
    }

    /// <summary>The console's unlock: lifts every lock, the password throttle included, and resets the second factor.</summary>
    public void ConsoleUnlock(DateTimeOffset now)
    {
        ClearSecondFactor();
        PasswordFailures = 0;
        LockedUntil = null;
        Move(AccountState.Normal, now);
    }

    /// <summary>
    /// Another administrator reset this user's second factor from the web: like the console's unlock, but a
    /// super-locked account is refused (only the console lifts that) and password throttling is left alone.
    /// </summary>
    public void SecondFactorResetByAdministrator(DateTimeOffset now)
    {
        RefuseIfSuperLocked();
        ClearSecondFactor();
        Move(AccountState.Normal, now);
    }

    /// <summary>A completed enrolment: new secret and batch are in place, other sessions end.</summary>
    public void Enrolled(string protectedSecret, long acceptedStep, StoredBackupCodes codes)
    {
        RefuseIfSuperLocked();
        ProtectedTotpSecret = protectedSecret;
        LastTotpStep = acceptedStep;
        BackupCodes = codes;
        MustEnrol = false;
        TotpFailures = 0;
        BackupFailures = 0;
        RotateSecurityStamp();
    }

    /// <summary>The user verified a new authenticator; the old secret stops working now.</summary>
    public void AuthenticatorRenewed(string protectedSecret, long acceptedStep)
    {
        RefuseUnlessRenewable();
        ProtectedTotpSecret = protectedSecret;
        LastTotpStep = acceptedStep;
        TotpFailures = 0;
        RotateSecurityStamp();
    }

    /// <summary>A new batch of backup codes replaces the old one as a whole.</summary>
    public void BackupCodesRenewed(StoredBackupCodes codes)
    {
        RefuseUnlessRenewable();
        BackupCodes = codes;
        BackupFailures = 0;
        RotateSecurityStamp();
    }

    public static string Normalize(string userName) => userName.Trim().ToLowerInvariant();

    public Account Clone()
    {
        var copy = (Account)MemberwiseClone();
        copy.BackupCodes = BackupCodes?.Clone();
        return copy;
    }

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private void RotateSecurityStamp() => SecurityStamp = NewStamp();

    private void ClearSecondFactor()
    {
        ProtectedTotpSecret = null;
        BackupCodes = null;
        MustEnrol = true;
        TotpFailures = 0;
        BackupFailures = 0;
        RotateSecurityStamp();
    }

    private void Move(AccountState state, DateTimeOffset now)
    {
        State = state;
        StateSince = now;
    }

    private void RefuseIfSuperLocked()
    {
        if (State == AccountState.SuperLocked)
        {
            throw new InvalidOperationException("A super-locked account can only be unlocked at the appliance console.");
        }
    }

    private void RefuseUnlessAcceptsBackupCodes()
    {
        if (!AcceptsBackupCodes)
        {
            throw new InvalidOperationException($"{UserName} does not accept backup codes now.");
        }
    }

    private void RefuseUnlessRenewable()
    {
        if (State != AccountState.Normal || !IsEnrolled)
        {
            throw new InvalidOperationException($"{UserName} has no second factor that can be renewed now.");
        }
    }
}

/// <summary>Where a correct password leads (<see cref="Account.MaySignIn"/>).</summary>
public enum SignInGate
{
    /// <summary>Password attempts are refused unevaluated until the throttle ends.</summary>
    Throttled,
    /// <summary>Nothing is accepted; only the appliance console unlocks.</summary>
    SuperLocked,
    /// <summary>A new authenticator and backup codes must be enrolled first.</summary>
    MustEnrol,
    /// <summary>2FA is not required and none is enrolled.</summary>
    PasswordOnly,
    Totp,
    /// <summary>In Recovery: only M backup codes.</summary>
    BackupCodes,
}

/// <summary>The password throttle: from the fifth failure a delay that doubles with each further one, up to 15 minutes.</summary>
public static class PasswordThrottle
{
    public const int FailuresBeforeThrottle = 5;
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);

    public static TimeSpan Delay(int passwordFailures)
    {
        var over = passwordFailures - FailuresBeforeThrottle;
        if (over < 0)
        {
            return TimeSpan.Zero;
        }

        var seconds = FirstDelay.TotalSeconds * Math.Pow(2, Math.Min(over, 10));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxDelay.TotalSeconds));
    }
}
