using FluentValidation;

namespace NasDash.Security.Accounts;

/// <summary>Ranges and cross-field rules of the Global Two Factor settings; used by the form and the service.</summary>
public sealed class TwoFactorSettingsValidator : AbstractValidator<TwoFactorSettings>
{
    public TwoFactorSettingsValidator()
    {
        RuleFor(s => s.TotpWindow).InclusiveBetween(0, 4)
            .WithMessage("The tolerance window must be between 0 and 4 time steps either side.");
        RuleFor(s => s.CodesPerUser).InclusiveBetween(5, 20)
            .WithMessage("Each user must get between 5 and 20 backup codes.");
        RuleFor(s => s.RequiredCodesAtRecovery).InclusiveBetween(1, 5)
            .WithMessage("Recovery must ask for between 1 and 5 codes at once.");
        RuleFor(s => s.RequiredCodesAtRecovery).LessThanOrEqualTo(s => s.CodesPerUser)
            .WithMessage("Recovery cannot ask for more codes than each user is given.");
        RuleFor(s => s.MaxFailedBackupSubmissions).InclusiveBetween(3, 100)
            .WithMessage("Failed backup-code submissions before super-lockout must be between 3 and 100.");
        RuleFor(s => s.TotpFailuresBeforeRecovery).InclusiveBetween(3, 20)
            .WithMessage("Wrong authenticator codes before recovery must be between 3 and 20.");
        RuleFor(s => s.SuperLockScope).IsInEnum();
    }
}
