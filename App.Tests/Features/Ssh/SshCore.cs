using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using NasDash.Features.Ssh;
using NasDash.Hosting;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Ssh;

/// <summary>
/// The real NasDash core (store, security services, SSH control) on a temporary data directory, with the SSH paths
/// of the test. Hosted services are not started.
/// </summary>
public sealed class SshCore : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="dataDirectory">An existing data directory to open again (it is deleted on Dispose), or null for a new one.</param>
    /// <param name="reconcile">Runs the SSH reconciler as the server does, which applies a lockout event's shut-off off the sign-in.</param>
    /// <param name="settings">Configuration over the test's, e.g. a fleet (NasDash:Fleet:Etcd:*), whose watch then runs with the reconciler.</param>
    public SshCore(string dropInDirectory, string pidFile, string? procRoot = null, string? dataDirectory = null, bool reconcile = false,
        IDictionary<string, string?>? settings = null)
    {
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("nasdash-ssh-data-").FullName;
        var services = new ServiceCollection();
        var overrides = new Dictionary<string, string?>
        {
            ["NasDash:Ssh:DropInDirectory"] = dropInDirectory,
            ["NasDash:Ssh:PidFile"] = pidFile,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        new TestCore(DataDirectory).AddTo(services, TimeProvider.System, backupCodeIterations: 10, overrides: overrides);
        if (procRoot is not null)
        {
            // A process table with nothing in it: these tests must never signal a real process.
            services.AddSingleton(new ProcessTable(procRoot));
        }

        _services = services.BuildServiceProvider();
        // As the server runs it: a lockout event's shut-off is applied by the reconciler, off the sign-in.
        Ssh.ShutOffApplied += applied => _shutOffs.Writer.TryWrite(applied);
        if (reconcile)
        {
            _reconciliation = _services.GetServices<IHostedService>().OfType<SshReconciliation>().Single();
            _reconciliation.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            _services.GetServices<IHostedService>().OfType<NasDash.Fleet.FleetWatch>().SingleOrDefault()?.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    private readonly System.Threading.Channels.Channel<SshShutOff> _shutOffs = System.Threading.Channels.Channel.CreateUnbounded<SshShutOff>();

    /// <summary>
    /// With the reconciler running, waits (at most the README's 10 s) for it to apply the shut-off a lockout event
    /// recorded; without it, applies the recorded shut-off here, as the reconciler would.
    /// </summary>
    public async Task<SshShutOff> ShutOffAppliedAsync()
    {
        if (_reconciliation is null)
        {
            return Ssh.ApplyPendingShutOffs() ?? throw new InvalidOperationException("No lockout event recorded a shut-off.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            return await _shutOffs.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            var stored = Get<ISettingsStore>().Get().Ssh;
            throw new TimeoutException(
                $"The reconciler applied no shut-off within 10 s: shut-off still pending {Ssh.ShutOffPending}, stored LoginDisabled {stored.LoginDisabled} ({stored.DisabledReason}), " +
                $"drop-in present {Get<SshDaemon>().DropInPresent}; SSH audit: {string.Join(" | ", Audit("ssh.").Select(a => $"{a.At:HH:mm:ss.fff} {a.Event} {a.Outcome} {a.Detail}"))}");
        }
    }

    private readonly SshReconciliation? _reconciliation;

    public string DataDirectory { get; }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public SshLogin Ssh => Get<SshLogin>();

    /// <summary>Re-enables SSH the way the console does (no step-up: the console is the appliance's terminal).</summary>
    public SshChangeResult EnableFromConsole(string actor) => Get<ISshControl>().EnableLoginFromConsole(actor, AccountAdministration.ConsoleClient);

    public void SetSshTwoFactor(bool on)
    {
        var settings = Get<ISettingsStore>();
        var current = settings.Get();
        current.TwoFactor = current.TwoFactor with { SshTwoFactor = on };
        settings.Save(current);
    }

    public SeededAdmin AddAdministrator(string userName, AccountState state = AccountState.Normal) =>
        TestAdministrators.Seed(_services, userName, adjust: a => a.MoveTo(state, DateTimeOffset.UtcNow));

    public void SetState(Guid accountId, AccountState state) => TestAdministrators.Adjust(_services, accountId, a => a.MoveTo(state, DateTimeOffset.UtcNow));

    /// <summary>
    /// A lockout event the way an attacker causes one: the right password, then wrong backup codes, which starts a
    /// recovery (DESIGN.md: the first backup-code submission of a recovery is a lockout event).
    /// </summary>
    public async Task<SecondFactorResult> FailBackupCodesAsync(SeededAdmin admin)
    {
        var signIn = Get<SignInService>();
        var password = await signIn.SubmitPasswordAsync(admin.UserName, admin.Password, "192.0.2.7", TestContext.Current.CancellationToken);
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password);
        var wrong = Enumerable.Range(0, challenge.RequiredCodes).Select(i => $"0000-0000-000{i}").ToList<string?>();
        return await signIn.SubmitBackupCodesAsync(challenge.ChallengeId, wrong, "192.0.2.7", TestContext.Current.CancellationToken);
    }

    public Alert? OpenAlert(string key) => Get<IAlertStore>().Open().FirstOrDefault(a => a.Key == key);

    public IReadOnlyList<AuditEvent> Audit(string prefix) => Get<IAuditLog>().Query(new AuditQuery(EventPrefix: prefix));

    /// <summary>Closes the store (it allows one process at a time) but keeps the data directory, e.g. for the console.</summary>
    public void CloseStore()
    {
        _reconciliation?.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services.Dispose();
    }

    public void Dispose()
    {
        _reconciliation?.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services.Dispose();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
