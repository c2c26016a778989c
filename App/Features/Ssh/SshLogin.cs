
namespace NasDash.Features.Ssh;

/// <summary>What the SSH page shows.</summary>
/// <param name="Problem">What failed when SSH could not be shut off (the last shut-off of this process), otherwise null.</param>
/// <param name="Sshd">"running (process N, port P)" or why NasDash cannot reach sshd.</param>
public sealed record SshStatus(
    bool LoginDisabled,
    DateTimeOffset? DisabledAt,
    string? DisabledReason,
    bool TwoFactorForSsh,
    string? Problem,
    bool SshdRunning,
    string Sshd,
    string DropInPath,
    bool DropInPresent)
{
    /// <summary>Who decides the code typed at the SSH prompt.</summary>
    public const string CodeCheck = "NasDash itself (pam_nasdash.so): SSH and web codes count toward the same lockout";
}

/// <summary>
/// Shuts SSH off on a lockout event when 2FA for SSH is on: marks SSH disabled in the store, writes the deny-all
/// drop-in, reloads sshd, ends every current session with everything it started, audits it and raises the
/// "ssh-disabled" alert. A step that fails never stops the others nor the lockout; the alert says what failed.
/// Re-enabling undoes it: from the web through <see cref="SshAccess"/>, which consumes a step-up grant first, or from
/// the local console (<see cref="ISshControl"/>), which is the appliance's own terminal.
/// </summary>
public sealed class SshLogin(
    ISettingsStore settings,
    IAlertStore alerts,
    IAuditLog audit,
    ApplianceFacts facts,
    SshDaemon daemon,
    SshSessions sessions,
    TimeProvider time,
    ILogger<SshLogin> log) : ISshControl, ILockoutEventHandler
{
    private const string FailurePrefix = "SSH could not be disabled";
    public const string PagePath = "/services/ssh";

    // One change at a time: two lockout events, or a lockout racing a re-enable, must not interleave their steps.
    private readonly Lock _gate = new();

    // Lockout events whose shut-off the reconciler has yet to apply, and what the last shut-off could not do.
    private readonly System.Collections.Concurrent.ConcurrentQueue<LockoutEvent> _pending = new();
    // What the last shut-off could not do, in the words of the SSH page; null when it did everything.
    private string? _lastProblem;

    /// <summary>
    /// Inside the sign-in's account lock, before its verdict: records only the intent (SSH disabled, and why) in the
    /// store. Writing the drop-in, reloading sshd and ending sessions take seconds, so <see cref="SshReconciliation"/>
    /// applies them off the request (<see cref="ApplyPendingShutOffs"/>), woken by the event's change signal.
    /// </summary>
    public IReadOnlyList<SecurityFact> Record(LockoutEvent lockoutEvent)
    {
        var current = settings.Get();
        if (!current.TwoFactor.SshTwoFactor)
        {
            return [];
        }

        RecordShutOff(lockoutEvent);
        // Switched off now (not already off): that is news for the notice targets, queued in the lockout's own commit.
        return current.Ssh.LoginDisabled
            ? []
            : [new SecurityFact(SecurityFactKind.SshDisabled, lockoutEvent.AccountId, lockoutEvent.UserName, lockoutEvent.ClientAddress, Describe(lockoutEvent))];
    }

    /// <summary>After the lockout's commit: hands the recorded shut-off to the reconciler.</summary>
    public void Committed(LockoutEvent lockoutEvent)
    {
        if (settings.Get() is { TwoFactor.SshTwoFactor: true, Ssh.LoginDisabled: true })
        {
            _pending.Enqueue(lockoutEvent);
        }
    }

    /// <summary>Raised after a shut-off was applied (a signal for whoever waits on it, such as tests).</summary>
    public event Action<SshShutOff>? ShutOffApplied;

    /// <summary>Whether a recorded shut-off still waits for the reconciler.</summary>
    public bool ShutOffPending => !_pending.IsEmpty;

    /// <summary>Applies every recorded shut-off at once (one sshd reload, one session sweep); the reconciler's work.</summary>
    public SshShutOff? ApplyPendingShutOffs()
    {
        lock (_gate)
        {
            var events = new List<LockoutEvent>();
            while (_pending.TryDequeue(out var next))
            {
                events.Add(next);
            }

            // An administrator who re-enabled SSH after these events decided later than they did.
            if (events.Count == 0 || !settings.Get().Ssh.LoginDisabled)
            {
                return null;
            }

            return Apply(events[^1], string.Join("; ", events.Select(Describe).Distinct()));
        }
    }

    /// <summary>Shuts SSH off after a lockout event, here and now; returns what was done and what failed.</summary>
    public SshShutOff DisableLogin(LockoutEvent lockoutEvent)
    {
        lock (_gate)
        {
            RecordShutOff(lockoutEvent);
            return Apply(lockoutEvent, Describe(lockoutEvent));
        }
    }

    // The intent is stored first: if a step of the shut-off fails or the process dies, start-up applies it again.
    private void RecordShutOff(LockoutEvent lockoutEvent)
    {
        var now = time.GetUtcNow();
        var reason = Describe(lockoutEvent);
        settings.Update(s => s.Ssh = new SshState
        {
            LoginDisabled = true,
            DisabledAt = s.Ssh.LoginDisabled ? s.Ssh.DisabledAt : now,
            DisabledReason = reason,
        });
    }

    private SshShutOff Apply(LockoutEvent lockoutEvent, string reason)
    {
        var result = ShutOff();
        var user = lockoutEvent.UserName;
        _lastProblem = result.Complete ? null : $"Part of the shut-off failed after a lockout event of {user}: {string.Join("; ", result.Problems)}. Check sshd on the appliance, then re-enable.";
        audit.Append(new AuditEvent
        {
            At = time.GetUtcNow(),
            UserName = user,
            ClientAddress = lockoutEvent.ClientAddress,
            Event = AuditNames.SshDisabled.Id,
            Outcome = result.Complete ? "succeeded" : "incomplete",
            Detail = $"{reason}; {result.Summary}",
        });
        alerts.Raise(AlertKeys.SshDisabled, AlertSeverity.Critical, result.Complete
            ? $"SSH sign-in disabled after a lockout event of {user} — re-enable"
            : $"{FailurePrefix} after a lockout event of {user}: {string.Join("; ", result.Problems)}. Check sshd on the appliance, then re-enable",
            PagePath);
        if (!result.Complete)
        {
            log.LogError("SSH could not be fully disabled after a lockout event of {User}: {Problems}", user, string.Join("; ", result.Problems));
        }

        ShutOffApplied?.Invoke(result);
        return result;
    }

    SshChangeResult ISshControl.EnableLoginFromConsole(string actor, string client) => Enable(actor, client);

    /// <summary>Unguarded: callers are the console and <see cref="SshAccess"/> once it consumed the step-up grant.</summary>
    internal SshChangeResult Enable(string actor, string? client)
    {
        lock (_gate)
        {
            var current = settings.Get();
            if (!current.Ssh.LoginDisabled && !daemon.DropInPresent)
            {
                return new SshChangeResult(false, "SSH sign-in is not disabled; nothing to do.");
            }

            var problem = daemon.RemoveDenyAll();
            string? note = null;
            if (problem is null)
            {
                switch (daemon.FindListener())
                {
                    case ListenerLookup.Running running:
                        problem = daemon.Reload(running.Listener) is { } reload ? $"{daemon.DropInPath} was removed, but {reload}" : null;
                        break;
                    case ListenerLookup.NotRunning notRunning:
                        note = $"sshd was not reloaded ({notRunning.Reason}); it allows sign-ins once it starts or reloads";
                        break;
                }
            }

            var entry = new AuditEvent { At = time.GetUtcNow(), UserName = actor, ClientAddress = client, Event = AuditNames.SshEnabled.Id };
            if (problem is not null)
            {
                entry.Outcome = "failed";
                entry.Detail = problem;
                audit.Append(entry);
                return new SshChangeResult(false, $"SSH sign-in could not be re-enabled: {problem}.");
            }

            entry.Outcome = "succeeded";
            entry.Detail = note;
            facts.Commit(new SecurityFact(SecurityFactKind.SshEnabled, null, actor, client), entry, () =>
            {
                settings.Update(s => s.Ssh = new SshState());
                alerts.Clear(AlertKeys.SshDisabled);
            });
            _lastProblem = null;
            return new SshChangeResult(true, note is null ? "SSH sign-in is enabled again." : $"SSH sign-in is enabled again; {note}.");
        }
    }

    /// <summary>Makes sshd match the stored state at start-up (a crash between the steps, or a drop-in removed by hand).</summary>
    public void Reconcile()
    {
        lock (_gate)
        {
            var state = settings.Get().Ssh;
            if (state.LoginDisabled && !daemon.DropInPresent)
            {
                var result = ApplyStoredShutOff(state, "again at start-up", "applied again at start-up");
                if (!result.Complete)
                {
                    alerts.Raise(AlertKeys.SshDisabled, AlertSeverity.Critical,
                        $"{FailurePrefix} again at start-up: {string.Join("; ", result.Problems)}. Check sshd on the appliance, then re-enable",
                        PagePath);
                }
            }
            else if (!state.LoginDisabled && daemon.DropInPresent)
            {
                var problem = AllowAgain();
                var entry = new AuditEvent
                {
                    At = time.GetUtcNow(),
                    Event = AuditNames.SshEnabled.Id,
                    Outcome = problem is null ? "succeeded" : "failed",
                    Detail = problem ?? $"stale {daemon.DropInPath} removed at start-up: SSH sign-in is enabled in NasDash",
                };
                if (problem is null)
                {
                    facts.Commit(new SecurityFact(SecurityFactKind.SshEnabled, null, null), entry);
                }
                else
                {
                    audit.Append(entry);
                }
            }
        }
    }

    /// <summary>
    /// Makes this sshd match the SSH state another appliance of the fleet stored: shut off after a lockout event there, or
    /// allowed again after it was re-enabled there. That appliance committed the event's facts and notices; this one only
    /// applies the state to its own sshd and audits what it did.
    /// </summary>
    public void ReconcileWithFleet()
    {
        lock (_gate)
        {
            var state = settings.Get().Ssh;
            if (state.LoginDisabled && !daemon.DropInPresent)
            {
                var result = ApplyStoredShutOff(state, "after a lockout event in the fleet", $"applied on {Environment.MachineName} from the fleet");
                ShutOffApplied?.Invoke(result);
            }
            else if (!state.LoginDisabled && daemon.DropInPresent)
            {
                var problem = AllowAgain();
                _lastProblem = problem;
                audit.Append(new AuditEvent
                {
                    At = time.GetUtcNow(),
                    Event = AuditNames.SshEnabled.Id,
                    Outcome = problem is null ? "succeeded" : "failed",
                    Detail = problem ?? $"enabled again on {Environment.MachineName}: SSH sign-in was re-enabled in the fleet",
                });
            }
        }
    }

    // The stored state says SSH is off but this sshd still lets people in: the shut-off is applied again, and audited.
    private SshShutOff ApplyStoredShutOff(SshState state, string when, string applied)
    {
        var result = ShutOff();
        _lastProblem = result.Complete ? null : $"Part of the shut-off failed {when}: {string.Join("; ", result.Problems)}. Check sshd on the appliance, then re-enable.";
        audit.Append(new AuditEvent
        {
            At = time.GetUtcNow(),
            Event = AuditNames.SshDisabled.Id,
            Outcome = result.Complete ? "succeeded" : "incomplete",
            Detail = $"{applied}: {state.DisabledReason}; {result.Summary}",
        });
        return result;
    }

    // The stored state says SSH is on but this sshd still refuses: the drop-in goes and sshd reads its configuration again.
    private string? AllowAgain() =>
        daemon.RemoveDenyAll() ?? (daemon.FindListener() is ListenerLookup.Running running ? daemon.Reload(running.Listener) : null);

    public SshStatus Status()
    {
        var current = settings.Get();
        var lookup = daemon.FindListener();
        return new SshStatus(
            current.Ssh.LoginDisabled,
            current.Ssh.DisabledAt,
            current.Ssh.DisabledReason,
            current.TwoFactor.SshTwoFactor,
            _lastProblem,
            lookup is ListenerLookup.Running,
            lookup switch
            {
                ListenerLookup.Running running => $"running (process {running.Listener.Pid}, port {string.Join(", ", running.Listener.Ports.Order())})",
                ListenerLookup.NotRunning notRunning => notRunning.Reason,
                _ => "unknown",
            },
            daemon.DropInPath,
            daemon.DropInPresent);
    }

    public static string Describe(LockoutEvent lockoutEvent) => lockoutEvent.Kind switch
    {
        LockoutEventKind.SuperLocked => $"super-lockout of {lockoutEvent.UserName}",
        LockoutEventKind.MovedToRecovery => $"{lockoutEvent.UserName} moved to recovery after repeated wrong authenticator codes",
        LockoutEventKind.ReportedNotMine => $"a notice about {lockoutEvent.UserName} was reported as not theirs",
        _ => $"backup-code recovery started for {lockoutEvent.UserName}",
    };

    private SshShutOff ShutOff()
    {
        var problems = new List<string>();
        var written = daemon.WriteDenyAll();
        if (written is not null)
        {
            problems.Add(written);
        }

        SshSessionSweep? sweep = null;
        switch (daemon.FindListener())
        {
            case ListenerLookup.Running running:
                // Reload before ending sessions, so no new connection slips in between.
                if (written is null && daemon.Reload(running.Listener) is { } reload)
                {
                    problems.Add(reload);
                }

                sweep = sessions.EndAll(running.Listener);
                if (!sweep.Complete)
                {
                    problems.Add($"{sweep.Survivors.Count} process(es) of the current SSH sessions could not be ended (pid {string.Join(", ", sweep.Survivors)})");
                }

                break;
            case ListenerLookup.NotRunning notRunning:
                problems.Add($"{notRunning.Reason}; current SSH sessions could not be found");
                break;
        }

        return new SshShutOff(problems, sweep);
    }
}

/// <summary>What shutting SSH off did.</summary>
public sealed record SshShutOff(IReadOnlyList<string> Problems, SshSessionSweep? Sweep)
{
    public bool Complete => Problems.Count == 0;

    public string Summary =>
        (Sweep is { } sweep ? $"{sweep.Sessions} SSH connection(s) ended ({sweep.Processes} processes)" : "no SSH connections ended") +
        (Problems.Count == 0 ? "" : $"; problems: {string.Join("; ", Problems)}");
}
