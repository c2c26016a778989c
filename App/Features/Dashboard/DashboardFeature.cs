namespace NasDash.Features.Dashboard;

public static class DashboardFeature
{
    public static IServiceCollection AddDashboard(this IServiceCollection services) =>
        services.AddSingleton<SystemInfo>().AddSingleton<SecurityOverview>();
}
