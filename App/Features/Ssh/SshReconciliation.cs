using NasDash.Storage;

namespace NasDash.Features.Ssh;

/// <summary>
/// Keeps the machine in line with the store: at start-up it re-applies the SSH login state, and on a lockout event it
/// applies the shut-off the sign-in only recorded (drop-in, sshd reload, sessions ended), off the request; once a minute
/// as well, for changes made where no event reaches this process. In a fleet, the SSH state another appliance changed (a
/// lockout event there, or SSH enabled again there) reaches it through the fleet watch and is applied to this sshd at once.
/// </summary>
public sealed class SshReconciliation(
    SshLogin login,
    SecurityEvents events,
    IStoreChanges changes,
    IAlertStore alerts,
    NasDashOptions options,
    ILogger<SshReconciliation> log) : BackgroundService
{
    /// <summary>The plaintext copy of every TOTP secret that pam_oath read, where the package kept it (the data directory).</summary>
    public const string LegacyUsersFile = "users.oath";
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    // Its steps block (sshd's reload and the session sweep poll for up to 9 s), so it has a thread of its own: a shut-off
    // must not wait for a free thread-pool thread when the web app is busy, nor take one from the web app for seconds.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // The host's stop, which alone may end the loop by a cancellation.
    private CancellationToken _stopping;

    private void Run(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        using var changed = new SemaphoreSlim(0, 1);
        void OnChanged()
        {
            if (changed.CurrentCount == 0)
            {
                try
                {
                    changed.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Already signalled: one pass covers both changes.
                }
            }
        }

        var fleetChanged = 0;
        void OnStoreChanged(StoreChange change)
        {
            if (change is StoreChange.SshStateChanged)
            {
                Interlocked.Exchange(ref fleetChanged, 1);
                OnChanged();
            }
        }

        events.Changed += OnChanged;
        changes.Changed += OnStoreChanged;
        try
        {
            Guarded(RemoveLegacyUsersFile);
            Guarded(login.Reconcile);
            while (!stoppingToken.IsCancellationRequested)
            {
                // A lockout event's shut-off, recorded inside the sign-in and applied here, off the request.
                Guarded(() => login.ApplyPendingShutOffs());
                // The stored state another appliance wrote; in a fleet also once a minute, should a change have been missed.
                if (Interlocked.Exchange(ref fleetChanged, 0) == 1)
                {
                    Guarded(login.ReconcileWithFleet);
                }

                if (!changed.Wait(Interval, stoppingToken) && changes.Shared)
                {
                    Interlocked.Exchange(ref fleetChanged, 1);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            events.Changed -= OnChanged;
            changes.Changed -= OnStoreChanged;
        }
    }

    /// <summary>An upgrade from the pam_oath wiring: the users file and its alert go (the package's postinst removes it too).</summary>
    private void RemoveLegacyUsersFile()
    {
        var path = Path.Combine(options.DataDirectory, LegacyUsersFile);
        if (File.Exists(path))
        {
            File.Delete(path);
            log.LogWarning("Removed {Path}: SSH codes are checked by NasDash itself (pam_nasdash.so), so no copy of any secret is kept", path);
        }

        alerts.Clear(AlertKeys.SshUsersFile);
    }

    private void Guarded(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            // The web app keeps running; the next change or tick tries again (also after a cancellation nobody asked
            // for, such as a store's client giving up on a request, which would otherwise end this loop for good).
            log.LogError(ex, "SSH reconciliation failed");
        }
    }
}
