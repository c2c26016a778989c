using NasDash.Hosting;
using NasDash.Security;

namespace NasDash.Features.Ssh;

public static class SshFeature
{
    /// <summary>SSH control (lockout shut-off, re-enable, pam_oath users file) for the web server and the console.</summary>
    public static IServiceCollection AddSsh(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddSingleton(sp => EffectiveOptions(sp.GetRequiredService<NasDashOptions>(), environment));
        services.AddSingleton(new ProcessTable(ProcessTable.DefaultRoot));
        services.AddSingleton<SshDaemon>();
        services.AddSingleton<SshSessions>();
        services.AddSingleton<OathUsersFile>();
        services.AddSingleton<SshLogin>();
        services.AddSingleton<ISshControl>(sp => sp.GetRequiredService<SshLogin>());
        services.AddSingleton<ILockoutEventHandler>(sp => sp.GetRequiredService<SshLogin>());
        services.AddScoped<SshAccess>();
        services.AddHostedService<SshReconciliation>();
        return services;
    }

    /// <summary>
    /// The configured paths; in the "Testing" environment paths left at their defaults move into the data directory,
    /// so a test that boots the whole app never rewrites the machine's sshd configuration or signals its sshd.
    /// </summary>
    internal static SshOptions EffectiveOptions(NasDashOptions options, IHostEnvironment environment)
    {
        var configured = options.Ssh;
        if (!environment.IsEnvironment("Testing"))
        {
            return configured;
        }

        var defaults = new SshOptions();
        var sandbox = Path.Combine(options.DataDirectory, "ssh");
        return new SshOptions
        {
            DropInDirectory = configured.DropInDirectory == defaults.DropInDirectory ? Path.Combine(sandbox, "sshd_config.d") : configured.DropInDirectory,
            PidFile = configured.PidFile == defaults.PidFile ? Path.Combine(sandbox, "sshd.pid") : configured.PidFile,
            OathUsersFile = configured.OathUsersFile == defaults.OathUsersFile ? Path.Combine(sandbox, "users.oath") : configured.OathUsersFile,
            PamServiceFile = configured.PamServiceFile == defaults.PamServiceFile ? Path.Combine(sandbox, "pam.d", "sshd") : configured.PamServiceFile,
            SshdConfigFile = configured.SshdConfigFile == defaults.SshdConfigFile ? Path.Combine(sandbox, "sshd_config") : configured.SshdConfigFile,
            FaillockDirectory = configured.FaillockDirectory == defaults.FaillockDirectory ? Path.Combine(sandbox, "faillock") : configured.FaillockDirectory,
        };
    }
}
