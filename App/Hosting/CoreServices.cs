using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using NasDash.Storage;

namespace NasDash.Hosting;

public static class CoreServices
{
    /// <summary>The store, the security core and their options; the web server and the console add their features on top.</summary>
    public static IServiceCollection AddNasDashCore(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddNasDashOptions(configuration, environment);
        services.AddSingleton(sp =>
        {
            // Validated by now; whatever reads these options may write into the data directory (store, keys, certificate).
            var options = sp.GetRequiredService<IOptions<NasDashOptions>>().Value;
            StoreOpening.Writable(options.DataDirectory, () => Storage.DataDirectory.Ensure(options.DataDirectory));
            return options;
        });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new LiteDbStore(sp.GetRequiredService<NasDashOptions>().DataDirectory, sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<LiteDbStore>>()));
        services.AddSingleton<IAccountStore>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<ISettingsStore>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<IApiTokenStore>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<IReportTokens>(sp => sp.GetRequiredService<LiteDbStore>());

        services.AddDataProtection().SetApplicationName("NasDash");
        services.AddOptions<KeyManagementOptions>().Configure<NasDashOptions, ILoggerFactory>((keyManagement, options, loggers) =>
        {
            var keys = Path.Combine(options.DataDirectory, "keys");
            Storage.DataDirectory.Ensure(keys);
            keyManagement.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(keys), loggers);
        });

        services.AddSingleton(sp => sp.GetRequiredService<NasDashOptions>().HostName is { } hostName && !string.IsNullOrWhiteSpace(hostName)
            ? new ApplianceIdentity(hostName)
            : new ApplianceIdentity(Environment.MachineName));
        services.AddSingleton(sp => new PasswordHashing(sp.GetRequiredService<NasDashOptions>().PasswordIterations));
        services.AddSingleton(sp => new BackupCodes(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<NasDashOptions>().BackupCodeIterations));
        services.AddSingleton<TotpVerifier>();
        services.AddSingleton<TotpSecondFactor>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<DeviceCookies>();
        services.AddSingleton(sp => new EnrolmentCodePolicy(sp.GetRequiredService<NasDashOptions>().Enrolment.CodeLifetime));
        services.AddSingleton<EnrolmentCodes>();
        services.AddSingleton<PendingSignIns>();
        services.AddSingleton<AccountLocks>();
        services.AddSingleton<AddressThrottle>();
        services.AddSingleton<RefusedSignIns>();
        services.AddSingleton<PasswordChangeBudgets>();
        services.AddSingleton<UntrustedForwarding>();
        services.AddSingleton<SecurityEvents>();
        services.AddSingleton<SecurityLedger>();
        services.AddSingleton<ApplianceFacts>();
        services.AddSingleton<ReportLinks>();
        services.AddSingleton<NotMeReports>();
        services.AddSingleton<IStoreTransactions>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<INoticeOutbox>(sp => sp.GetRequiredService<LiteDbStore>());
        services.AddSingleton<SignInService>();
        services.AddSingleton<EnrolmentService>();
        services.AddSingleton<StepUp>();
        services.AddSingleton<ApiTokenThrottle>();
        services.AddSingleton<ApiTokens>();
        services.AddSingleton<SshCodeCheck>();
        services.AddSingleton<AccountAdministration>();
        services.AddSingleton(sp =>
        {
            var webAuthn = sp.GetRequiredService<NasDashOptions>().WebAuthn;
            return new RelyingPartySource(() => RelyingParty.From(webAuthn.RelyingPartyId, webAuthn.Origins,
                sp.GetRequiredService<ApplianceIdentity>().HostName, sp.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? []));
        });
        services.AddSingleton<SecurityKeyCeremonies>();
        services.AddSingleton<SecurityKeySignIn>();
        services.AddSingleton<SecurityKeyRegistry>();
        services.AddSingleton<ILockoutEventHandler, LockoutAlerts>();
        return services;
    }
}
