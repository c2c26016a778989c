namespace NasDash.Features.Audit;

public static class AuditFeature
{
    public static IServiceCollection AddAuditLog(this IServiceCollection services)
    {
        services.AddSingleton<AuditService>();
        services.AddScoped<NasDash.Components.Shared.BrowserClock>();
        services.AddSingleton<AuditRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditRetention>());
        return services;
    }
}
