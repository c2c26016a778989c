namespace NasDash.Features.GlobalTwoFactor;

public static class TwoFactorSettingsFeature
{
    public static IServiceCollection AddTwoFactorSettings(this IServiceCollection services) =>
        services.AddScoped<TwoFactorSettingsService>();
}
