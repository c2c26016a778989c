using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using NasDash.Features.MyAccount;
using NasDash.Features.Notifications;
using NasDash.Features.Ssh;
using NasDash.Hosting;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Notifications;

/// <summary>
/// The real NasDash core with the alert services and their background sender running, on a temporary data
/// directory, the real clock, SSH paths inside the data directory and an empty process table.
/// <see cref="Restart"/> stops everything and starts it again on the same data, as a process restart does.
/// </summary>
public sealed class NotifyCore : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _configuration;
    private ServiceProvider _services = null!;
    private NoticeSender _sender = null!;

    public NotifyCore(IDictionary<string, string?>? configuration = null)
    {
        DataDirectory = Directory.CreateTempSubdirectory("nasdash-notify-").FullName;
        Directory.CreateDirectory(Path.Combine(DataDirectory, "proc"));
        _configuration = new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = DataDirectory,
            ["NasDash:HostName"] = "nas-test",
            ["NasDash:PasswordIterations"] = "1000",
            ["NasDash:BackupCodeIterations"] = "10",
            ["NasDash:Notifications:DashboardUrl"] = "https://nas-test:5443",
            ["NasDash:Notifications:Delivery:FirstRetry"] = "00:00:00.200",
            ["NasDash:Notifications:Delivery:MaxRetry"] = "00:00:01",
            ["NasDash:Notifications:Delivery:AttemptTimeout"] = "00:00:05",
        };
        foreach (var (key, path) in TestSupport.TestCore.SshSandbox(DataDirectory))
        {
            _configuration[key] = path;
        }

        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            _configuration[key] = value;
        }

        Start();
    }

    public string DataDirectory { get; }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public LiteDbStore Store => Get<LiteDbStore>();

    public void SaveSettings(Action<NotificationSettings> change)
    {
        var store = Get<INotificationSettingsStore>();
        var settings = store.GetNotificationSettings();
        change(settings);
        store.SaveNotificationSettings(settings, new AuditEvent { At = DateTimeOffset.UtcNow, Event = "settings.notifications", Outcome = "saved" });
    }

    public void UseEmail(int port, params string[] recipients) => SaveSettings(s =>
    {
        s.Email.Host = "127.0.0.1";
        s.Email.Port = port;
        s.Email.Security = SmtpSecurity.None;
        s.Email.From = "nasdash@nas-test.example";
        s.Email.To = [.. recipients];
    });

    public void SetSshTwoFactor(bool on)
    {
        var settings = Get<ISettingsStore>();
        var current = settings.Get();
        current.TwoFactor = current.TwoFactor with { SshTwoFactor = on };
        settings.Save(current);
    }

    public SeededAdmin AddAdministrator(string userName) => TestAdministrators.Seed(_services, userName);

    /// <summary>The right password, then wrong backup codes: a recovery starts (and SSH is shut off when 2FA for SSH is on).</summary>
    public async Task<SecondFactorResult> FailBackupCodesAsync(SeededAdmin admin, string client = "192.0.2.7")
    {
        var signIn = Get<SignInService>();
        var password = await signIn.SubmitPasswordAsync(admin.UserName, admin.Password, client, TestContext.Current.CancellationToken);
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password);
        var wrong = Enumerable.Range(0, challenge.RequiredCodes).Select(i => $"0000-0000-000{i}").ToList<string?>();
        return await signIn.SubmitBackupCodesAsync(challenge.ChallengeId, wrong, client, TestContext.Current.CancellationToken);
    }

    public async Task<SecondFactorResult> RecoverAsync(SeededAdmin admin, string client = "192.0.2.8")
    {
        var signIn = Get<SignInService>();
        var password = await signIn.SubmitPasswordAsync(admin.UserName, admin.Password, client, TestContext.Current.CancellationToken);
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password);
        return await signIn.SubmitBackupCodesAsync(challenge.ChallengeId, [.. admin.Codes.Take(challenge.RequiredCodes)], client, TestContext.Current.CancellationToken);
    }

    /// <summary>Wrong backup codes until the account is super-locked (N submissions).</summary>
    public async Task SuperLockAsync(SeededAdmin admin, string client = "192.0.2.9")
    {
        var submissions = Get<ISettingsStore>().Get().TwoFactor.MaxFailedBackupSubmissions;
        for (var i = 0; i < submissions; i++)
        {
            await FailBackupCodesAsync(admin, client);
        }

        Assert.Equal(AccountState.SuperLocked, Get<IAccountStore>().FindById(admin.Id)!.State);
    }

    public IReadOnlyList<OutboxNotice> Notices() =>
        _services.GetService<LiteDbStore>()?.AllNotices(1000) ?? Get<NasDash.Fleet.EtcdStore>().AllNotices(1000);

    public IReadOnlyList<AuditEvent> Audit(string prefix) => Get<IAuditLog>().Query(new AuditQuery(EventPrefix: prefix, Take: 1000));

    public async Task<IReadOnlyList<OutboxNotice>> WaitUntilDoneAsync(TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until && Notices().Any(n => n.DoneAt is null))
        {
            await Task.Delay(50);
        }

        return Notices();
    }

    /// <summary>One pass of the background sender, made now: whatever is due is attempted before it returns.</summary>
    public Task DeliverDueNowAsync() => _sender.DeliverDueAsync(TestContext.Current.CancellationToken);

    public async Task Restart()
    {
        await StopAsync();
        Start();
    }

    /// <summary>Stops, changes the store as a process killed at that moment would have left it, and starts again.</summary>
    public async Task RestartAfter(Action<LiteDbStore> leftBehind)
    {
        await StopAsync();
        using (var store = new LiteDbStore(DataDirectory, TimeProvider.System))
        {
            leftBehind(store);
        }

        Start();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private void Start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_configuration).Build();
        var environment = new HostingEnvironment { EnvironmentName = "Testing", ContentRootPath = DataDirectory, ApplicationName = "NasDash" };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(environment);
        services.AddNasDashCore(configuration, environment);
        services.AddSsh();
        // A process table with nothing in it: these tests must never signal a real process.
        services.AddSingleton(new ProcessTable(Path.Combine(DataDirectory, "proc")));
        services.AddNotifications();
        services.AddMyAccount();
        _services = services.BuildServiceProvider();
        _sender = _services.GetRequiredService<NoticeSender>();
        _sender.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        // As the server runs it: a lockout event's SSH shut-off is applied by the reconciler, off the sign-in.
        _reconciliation = _services.GetServices<IHostedService>().OfType<SshReconciliation>().Single();
        _reconciliation.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private SshReconciliation _reconciliation = null!;

    private async Task StopAsync()
    {
        await _reconciliation.StopAsync(CancellationToken.None);
        await _sender.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}
