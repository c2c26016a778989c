namespace NasDash.Security.Accounts;

public enum SuperLockScope
{
    /// <summary>Only the account that was super-locked is refused.</summary>
    Account = 0,
    /// <summary>Every web sign-in is refused until the console unlocks.</summary>
    Appliance = 1,
}

/// <summary>The Global Two Factor Authentication settings (defaults and ranges in CONTRACT.md).</summary>
public sealed record TwoFactorSettings
{
    public bool EnforceForAdministrators { get; init; } = true;
    public int TotpWindow { get; init; } = 1;
    public int CodesPerUser { get; init; } = 10;
    public int RequiredCodesAtRecovery { get; init; } = 2;
    public int MaxFailedBackupSubmissions { get; init; } = 10;
    public int TotpFailuresBeforeRecovery { get; init; } = 5;
    public SuperLockScope SuperLockScope { get; init; } = SuperLockScope.Account;
    public bool SshTwoFactor { get; init; }

    public static TwoFactorSettings Defaults { get; } = new();
}
