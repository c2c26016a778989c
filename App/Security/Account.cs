namespace NasDash.Security;

/// <summary>Persisted lockout state; Throttled is derived from <see cref="Account.LockedUntil"/>.</summary>
public enum AccountState
{
    Normal = 0,
    Throttled = 1,
    Recovery = 2,
    SuperLocked = 3,
}

/// <summary>A web administrator: credentials, second factor and lockout counters.</summary>
public sealed class Account
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public string UserName { get; set; } = "";
    /// <summary>Lower-invariant user name: the unique key, so "Alice" and "alice" are one account.</summary>
    public string NormalizedUserName { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    /// <summary>TOTP secret encrypted with Data Protection; null when the user must enrol.</summary>
    public string? ProtectedTotpSecret { get; set; }
    /// <summary>Highest TOTP time step ever accepted (RFC 6238 §5.2: only later steps are accepted).</summary>
    public long LastTotpStep { get; set; } = -1;
    public StoredBackupCodes? BackupCodes { get; set; }

    public AccountState State { get; set; } = AccountState.Normal;
    public DateTimeOffset StateSince { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public int PasswordFailures { get; set; }
    public int TotpFailures { get; set; }
    public int BackupFailures { get; set; }

    /// <summary>Changing it ends every session of this user (cookies and open circuits).</summary>
    public string SecurityStamp { get; set; } = NewStamp();
    /// <summary>Set by a recovery or a console reset: the next sign-in must enrol a new TOTP secret and batch of codes.</summary>
    public bool MustEnrol { get; set; }
    public bool MustChangePassword { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }

    public bool HasTotp => ProtectedTotpSecret is not null;
    public bool IsEnrolled => HasTotp && BackupCodes is not null;
    public int BackupCodesLeft => BackupCodes?.Remaining ?? 0;

    /// <summary>Password attempts are refused unevaluated until <see cref="LockedUntil"/>, whatever the state.</summary>
    public bool IsThrottled(DateTimeOffset now) => LockedUntil is { } until && until > now;

    public AccountState EffectiveState(DateTimeOffset now) =>
        State == AccountState.Normal && IsThrottled(now) ? AccountState.Throttled : State;

    public static string Normalize(string userName) => userName.Trim().ToLowerInvariant();

    public static string NewStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public void RotateSecurityStamp() => SecurityStamp = NewStamp();

    public Account Clone()
    {
        var copy = (Account)MemberwiseClone();
        copy.BackupCodes = BackupCodes?.Clone();
        return copy;
    }
}
