using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using NasDash.Security;
using NasDash.Storage;

namespace NasDash.Hosting;

public static class CoreServices
{
    /// <summary>The store, the security core and their options; the web server and the console add their features on top.</summary>
    public static IServiceCollection AddNasDashCore(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(NasDashOptions.Section).Get<NasDashOptions>() ?? new NasDashOptions();
        var dataDirectory = Storage.DataDirectory.Resolve(options.DataDirectory, environment.ContentRootPath);
        options.DataDirectory = dataDirectory;
        if (!environment.IsEnvironment("Testing"))
        {
            options.PasswordIterations = Math.Max(options.PasswordIterations, PasswordHashing.OwaspIterations);
        }

        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new LiteDbStore(dataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAccountStore>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<ISettingsStore>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<LiteDbStore>());

        Storage.DataDirectory.Ensure(dataDirectory);
        var keys = Path.Combine(dataDirectory, "keys");
        Storage.DataDirectory.Ensure(keys);
        services.AddDataProtection()
            .SetApplicationName("NasDash")
            .PersistKeysToFileSystem(new DirectoryInfo(keys));

        services.AddSingleton(new ApplianceIdentity(string.IsNullOrWhiteSpace(options.HostName) ? Environment.MachineName : options.HostName));
        services.AddSingleton(new PasswordHashing(options.PasswordIterations));
        services.AddSingleton(sp => new BackupCodes(sp.GetRequiredService<TimeProvider>(), options.BackupCodeIterations));
        services.AddSingleton<TotpVerifier>();
        services.AddSingleton<TotpSecondFactor>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<DeviceCookies>();
        services.AddSingleton(new EnrolmentCodePolicy(options.Enrolment.CodeLifetime));
        services.AddSingleton<EnrolmentCodes>();
        services.AddSingleton<PendingSignIns>();
        services.AddSingleton<AccountLocks>();
        services.AddSingleton<SecurityEvents>();
        services.AddSingleton<SignInService>();
        services.AddSingleton<EnrolmentService>();
        services.AddSingleton<StepUp>();
        services.AddSingleton<AccountAdministration>();
        services.AddSingleton(sp => new RelyingPartySource(() => RelyingParty.From(
            options.WebAuthn.RelyingPartyId, options.WebAuthn.Origins, sp.GetRequiredService<ApplianceIdentity>().HostName,
            sp.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])));
        services.AddSingleton<SecurityKeyCeremonies>();
        services.AddSingleton<SecurityKeySignIn>();
        services.AddSingleton<SecurityKeyRegistry>();
        services.AddSingleton<ILockoutEventHandler, LockoutAlerts>();
        return services;
    }
}
