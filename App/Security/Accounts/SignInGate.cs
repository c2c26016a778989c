namespace NasDash.Security.Accounts;

/// <summary>Where a correct password leads (<see cref="Account.MaySignIn"/>).</summary>
public enum SignInGate
{
    /// <summary>Password attempts are refused unevaluated until the throttle ends.</summary>
    Throttled,
    /// <summary>Nothing is accepted; only the appliance console unlocks.</summary>
    SuperLocked,
    /// <summary>A new authenticator and backup codes must be enrolled first.</summary>
    MustEnrol,
    /// <summary>Left without a second factor by a reset or created on /users: the one-time enrolment code comes before enrolling.</summary>
    EnrolmentCode,
    /// <summary>2FA is not required and none is enrolled.</summary>
    PasswordOnly,
    Totp,
    /// <summary>In Recovery: only M backup codes.</summary>
    BackupCodes,
}
