using TwoFactorPolicy = NasDash.Security.Accounts.TwoFactorSettings;

namespace NasDash.Features.GlobalTwoFactor;

/// <summary>The panel's editable copy of the settings; validated as a <see cref="TwoFactorPolicy"/>.</summary>
public sealed class TwoFactorSettingsForm
{
    public bool EnforceForAdministrators { get; set; }
    public int TotpWindow { get; set; }
    public int CodesPerUser { get; set; }
    public int RequiredCodesAtRecovery { get; set; }
    public int MaxFailedBackupSubmissions { get; set; }
    public int TotpFailuresBeforeRecovery { get; set; }
    public SuperLockScope SuperLockScope { get; set; }
    public bool SshTwoFactor { get; set; }

    public static TwoFactorSettingsForm From(TwoFactorPolicy s) => new()
    {
        EnforceForAdministrators = s.EnforceForAdministrators,
        TotpWindow = s.TotpWindow,
        CodesPerUser = s.CodesPerUser,
        RequiredCodesAtRecovery = s.RequiredCodesAtRecovery,
        MaxFailedBackupSubmissions = s.MaxFailedBackupSubmissions,
        TotpFailuresBeforeRecovery = s.TotpFailuresBeforeRecovery,
        SuperLockScope = s.SuperLockScope,
        SshTwoFactor = s.SshTwoFactor,
    };

    public TwoFactorPolicy ToSettings() => new()
    {
        EnforceForAdministrators = EnforceForAdministrators,
        TotpWindow = TotpWindow,
        CodesPerUser = CodesPerUser,
        RequiredCodesAtRecovery = RequiredCodesAtRecovery,
        MaxFailedBackupSubmissions = MaxFailedBackupSubmissions,
        TotpFailuresBeforeRecovery = TotpFailuresBeforeRecovery,
        SuperLockScope = SuperLockScope,
        SshTwoFactor = SshTwoFactor,
    };
}
