namespace NasDash.Features.SecurityKeys;

public static class SecurityKeysFeature
{
    public static IServiceCollection AddSecurityKeys(this IServiceCollection services) =>
        services.AddScoped<SecurityKeysService>().AddScoped<WebAuthnBrowser>();
}
