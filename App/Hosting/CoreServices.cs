using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using NasDash.Fleet;
using NasDash.Storage;

namespace NasDash.Hosting;

public static class CoreServices
{
    /// <summary>
    /// The engine that keeps the records: the appliance's own LiteDB file, or, with NasDash:Fleet:Etcd:Endpoints set, the
    /// fleet's etcd cluster, whose decisions also hold the fleet's lock on the account. Either way the process holds the data
    /// directory's lock while it runs, so `fleet leave` and `fleet join` never switch the store under it.
    /// </summary>
    private static EtcdFleetOptions? AddRecordStore(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var fleet = FleetOptionsOf(configuration);
        var inFleet = fleet.IsConfigured && !FleetMembership.HasLeft(DataDirectoryOf(configuration, environment));
        services.AddSingleton(sp => DataDirectoryLock.Take(sp.GetRequiredService<NasDashOptions>().DataDirectory));
        if (!inFleet)
        {
            services.AddSingleton(sp =>
            {
                var dataDirectory = sp.GetRequiredService<NasDashOptions>().DataDirectory;
                var held = sp.GetRequiredService<DataDirectoryLock>();
                FleetJoinMarker.RefuseWhileJoining(dataDirectory);
                RefuseIfSwitched(fleet, dataDirectory, inFleet);
                return new LiteDbStore(dataDirectory, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<LiteDbStore>>(), heldLock: held);
            });
            services.AddRecords<LiteDbStore>();
            services.AddSingleton<IStoreChanges, NoStoreChanges>();
            return null;
        }

        services.AddSingleton(fleet);
        // Whatever asks etcd first (the store, or Data Protection's key ring) meets a user etcd refuses as one line.
        services.AddSingleton(_ =>
        {
            var client = EtcdConnection.Open(fleet);
            try
            {
                EtcdPermissions.Check(client, fleet);
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        });
        services.AddSingleton<FleetReachability>();
        services.AddSingleton(sp =>
        {
            _ = sp.GetRequiredService<DataDirectoryLock>();
            FleetJoinMarker.RefuseWhileJoining(sp.GetRequiredService<NasDashOptions>().DataDirectory);
            RefuseIfSwitched(fleet, sp.GetRequiredService<NasDashOptions>().DataDirectory, inFleet);
            return new EtcdStore(sp.GetRequiredService<dotnet_etcd.EtcdClient>(), fleet, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FleetReachability>());
        });
        services.AddSingleton<IFleetLocks, EtcdFleetLocks>();
        services.AddRecords<EtcdStore>();
        services.AddSingleton(sp => new FleetWatch(sp.GetRequiredService<dotnet_etcd.EtcdClient>(), fleet, sp.GetRequiredService<FleetKeyRingKey>(),
            sp.GetRequiredService<NasDashOptions>().DataDirectory, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<FleetWatch>>()));
        services.AddSingleton<IStoreChanges>(sp => sp.GetRequiredService<FleetWatch>());
        services.AddHostedService(sp => sp.GetRequiredService<FleetWatch>());
        services.AddSingleton(sp => new FleetStatusProbe(fleet, sp.GetRequiredService<FleetWatch>()));
        return fleet;
    }

    /// <summary>
    /// The store was chosen before the data directory's lock was taken: a `fleet leave` or `fleet join` that ran in between
    /// switched the appliance, and this process would run on the wrong one. The next start chooses again.
    /// </summary>
    private static void RefuseIfSwitched(EtcdFleetOptions fleet, string dataDirectory, bool inFleet)
    {
        if (fleet.IsConfigured && FleetMembership.HasLeft(dataDirectory) == inFleet)
        {
            throw new StoreRefusedException(inFleet
                ? $"This appliance left its fleet while NasDash started ({FleetMembership.LeftMarker(dataDirectory)} appeared): start NasDash again, and it starts standalone."
                : $"This appliance joined its fleet while NasDash started ({FleetMembership.LeftMarker(dataDirectory)} is gone): start NasDash again, and it starts in the fleet.");
        }
    }

    /// <summary>NasDash:Fleet:Etcd as configured (its endpoints unset: standalone).</summary>
    public static EtcdFleetOptions FleetOptionsOf(IConfiguration configuration) =>
        configuration.GetSection($"{NasDashOptions.Section}:Fleet:Etcd").Get<EtcdFleetOptions>() ?? new EtcdFleetOptions();

    /// <summary>The data directory the options will resolve to, known before they are built.</summary>
    public static string DataDirectoryOf(IConfiguration configuration, IHostEnvironment environment) =>
        Storage.DataDirectory.Resolve(configuration[$"{NasDashOptions.Section}:{nameof(NasDashOptions.DataDirectory)}"], environment.ContentRootPath);

    /// <summary>The fleet's key-ring key file: NasDash:Fleet:Etcd:KeyRingKeyFile, or &lt;data&gt;/fleet-keyring.key.</summary>
    public static string KeyRingKeyFileOf(EtcdFleetOptions fleet, string dataDirectory) =>
        fleet.KeyRingKeyFile is { Length: > 0 } file ? file : Path.Combine(dataDirectory, EtcdFleetOptions.DefaultKeyRingKeyFile);

    private static void AddRecords<TStore>(this IServiceCollection services)
        where TStore : class, IAccountStore, ISettingsStore, IAuditLog, IAlertStore, IApiTokenStore, IReportTokens, IStoreTransactions,
            INoticeOutbox, INotificationSettingsStore, IStoreEngine
    {
        services.AddSingleton<IStoreEngine>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IAccountStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<ISettingsStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IApiTokenStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IReportTokens>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IStoreTransactions>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<INoticeOutbox>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<INotificationSettingsStore>(sp => sp.GetRequiredService<TStore>());
    }

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
        var fleet = services.AddRecordStore(configuration, environment);

        services.AddDataProtection().SetApplicationName("NasDash");
        if (fleet is null)
        {
            services.AddOptions<KeyManagementOptions>().Configure<NasDashOptions, ILoggerFactory>((keyManagement, options, loggers) =>
            {
                var keys = Path.Combine(options.DataDirectory, "keys");
                Storage.DataDirectory.Ensure(keys);
                keyManagement.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(keys), loggers);
            });
        }
        else
        {
            services.AddSingleton<FleetKeyRing>();
            services.AddSingleton(sp => new FleetKeyRingKey(FleetKeyRing.LoadOrCreateKey(
                KeyRingKeyFileOf(fleet, sp.GetRequiredService<NasDashOptions>().DataDirectory),
                fleetHasKeys: sp.GetRequiredService<FleetKeyRing>().GetAllElements().Count > 0)));
            services.AddOptions<KeyManagementOptions>().Configure<FleetKeyRing, FleetKeyRingKey>((keyManagement, ring, key) =>
            {
                keyManagement.XmlRepository = ring;
                keyManagement.XmlEncryptor = new FleetKeyEncryptor(key);
            });
        }

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
        services.AddSingleton<NotificationAddressSeal>();
        services.AddSingleton<NotificationAddressRouting>();
        services.AddSingleton<NotificationAddresses>();
        services.AddSingleton<NotMeReports>();
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
