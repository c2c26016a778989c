namespace NasDash.Features.Login;

public static class LoginFeature
{
    /// <summary>Where the setup wizard lands: the sign-in page with a one-line "set-up complete" note (text only, no state).</summary>
    public const string AfterSetupPath = "/login?setup=done";

    public static IServiceCollection AddLogin(this IServiceCollection services)
    {
        services.AddScoped<LoginService>();
        return services;
    }
}
