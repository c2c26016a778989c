using NasDash.Hosting;

namespace NasDash.Features.Ssh;

public static class SshFeature
{
    /// <summary>SSH control (lockout shut-off, re-enable) for the web server and the console.</summary>
    public static IServiceCollection AddSsh(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredService<NasDashOptions>().Ssh);
        services.AddSingleton(new ProcessTable(ProcessTable.DefaultRoot));
        services.AddSingleton<SshDaemon>();
        services.AddSingleton<SshSessions>();
        services.AddSingleton<SshLogin>();
        services.AddSingleton<ISshControl>(sp => sp.GetRequiredService<SshLogin>());
        services.AddSingleton<ILockoutEventHandler>(sp => sp.GetRequiredService<SshLogin>());
        services.AddScoped<SshAccess>();
        services.AddHostedService<SshReconciliation>();
        return services;
    }
}
