using NasDash.Security;

namespace NasDash.Features.Ssh;

/// <summary>
/// Keeps the machine in line with the store: at start-up it re-applies the SSH login state, on a lockout event it
/// applies the shut-off the sign-in only recorded (drop-in, sshd reload, sessions ended), and it keeps the
/// pam_oath users file in sync whenever something security-relevant changes (enrolment, reset, lockout), plus
/// once a minute for changes made where no event reaches this process (a console verb on the store file).
/// </summary>
public sealed class SshReconciliation(
    SshLogin login,
    OathUsersFile oathUsers,
    SecurityEvents events,
    IAlertStore alerts,
    ILogger<SshReconciliation> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    // Starts "unknown" so the first successful sync clears an alert left open by an earlier run.
    private string? _lastProblem = "";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
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
                    // Already signalled: one sync covers both changes.
                }
            }
        }

        events.Changed += OnChanged;
        try
        {
            Guarded(login.Reconcile);
            while (!stoppingToken.IsCancellationRequested)
            {
                // First: a lockout event's shut-off, recorded inside the sign-in and applied here, off the request.
                Guarded(() => login.ApplyPendingShutOffs());
                Guarded(SyncUsersFile);
                await changed.WaitAsync(Interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            events.Changed -= OnChanged;
        }
    }

    /// <summary>Syncs the users file; a failure raises an alert (once per distinct problem), success clears it.</summary>
    public void SyncUsersFile()
    {
        var result = oathUsers.Sync();
        if (result.Problem is null)
        {
            if (_lastProblem is not null)
            {
                alerts.Clear(AlertKeys.SshUsersFile);
                _lastProblem = null;
            }

            return;
        }

        if (result.Problem != _lastProblem)
        {
            log.LogError("pam_oath users file not in sync: {Problem}", result.Problem);
            alerts.Raise(AlertKeys.SshUsersFile, AlertSeverity.Warning,
                $"The SSH authenticator users file is out of date: {result.Problem}", SshLogin.PagePath);
            _lastProblem = result.Problem;
        }
    }

    private void Guarded(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The web app keeps running; the next change or tick tries again.
            log.LogError(ex, "SSH reconciliation failed");
        }
    }
}
