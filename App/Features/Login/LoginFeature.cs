namespace NasDash.Features.Login;

public static class LoginFeature
{
    public static IServiceCollection AddLogin(this IServiceCollection services)
    {
        services.AddScoped<LoginService>();
        return services;
    }
}
