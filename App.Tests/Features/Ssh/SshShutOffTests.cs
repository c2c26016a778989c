using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using NasDash.Features.Ssh;
using NasDash.Storage;

namespace NasDash.Tests.Features.Ssh;

/// <summary>The lockout → SSH off → alert → re-enable cycle against a real OpenSSH server.</summary>
[Collection(SshdCollection.Name)]
[SupportedOSPlatform("linux")]
public class SshShutOffTests
{
    private static readonly TimeSpan Seconds = TimeSpan.FromSeconds(5);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    [Fact]
    public async Task LockoutEvent_SshTwoFactorOn_EndsEverySessionAndRefusesLoginUntilReEnabled()
    {
        HostTools.Require("sshd", "ssh", "ssh-keygen", "unshare");
        using var sshd = TestSshd.Start();
        using var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, reconcile: true);
        core.SetSshTwoFactor(true);
        var alice = core.AddAdministrator("alice");
        Say($"sshd listening on 127.0.0.1:{sshd.Port} (pid {sshd.ListenerPid}), drop-ins in {sshd.DropInDirectory}; 2FA for SSH on");
        Assert.Equal((0, "before\n"), sshd.Run("echo before"));

        var (background, foreground, onTerminal) = (Marker(), Marker(), Marker());
        // The subshell exits at once, so the background sleep is re-parented to PID 1 while the session goes on.
        var plain = sshd.OpenSession($"(sleep {background} &); sleep {foreground}");
        var terminal = sshd.OpenSession($"sleep {onTerminal}", terminal: true);
        Assert.True(WaitUntil(() => new[] { background, foreground, onTerminal }.All(m => HostTools.ProcessesRunning($"sleep {m}").Count == 1)),
            "the sessions' commands did not start");
        Say($"2 sessions open: `(sleep {background} &); sleep {foreground}` (no terminal) and `sleep {onTerminal}` (terminal)");
        sshd.Restart();
        Say($"sshd restarted (new pid {sshd.ListenerPid}); the sessions live on, re-parented to PID 1");

        var verdict = Stopwatch.StartNew();
        var result = await core.FailBackupCodesAsync(alice);
        verdict.Stop();

        Say($"wrong backup codes for alice -> {result.GetType().Name} in {verdict.ElapsedMilliseconds} ms (password step included): a lockout event (recovery started); the shut-off is applied off the request");
        Assert.IsType<SecondFactorResult.InvalidBackupCodes>(result);
        Assert.True(WaitUntil(() => new[] { background, foreground, onTerminal }.All(m => HostTools.ProcessesRunning($"sleep {m}").Count == 0)),
            "a session command is still running");
        Assert.True(WaitUntil(() => plain.HasExited && terminal.HasExited), "an SSH client is still connected");
        Say("every session command is gone and both clients were disconnected");
        var refused = sshd.Run("echo should-not-run");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.DoesNotContain("should-not-run", refused.Output, StringComparison.Ordinal);
        Assert.Contains("not allowed because listed in DenyUsers", sshd.Log(), StringComparison.Ordinal);
        Say($"new login refused (ssh exit {refused.ExitCode}); sshd log: \"{LastLine(sshd.Log(), "DenyUsers")}\"");
        Assert.True(WaitUntil(() => core.OpenAlert(AlertKeys.SshDisabled) is not null), "no alert");
        var alert = core.OpenAlert(AlertKeys.SshDisabled);
        Assert.Equal("SSH sign-in disabled after a lockout event of alice — re-enable", alert?.Message);
        Assert.Equal(SshLogin.PagePath, alert?.ActionUrl);
        Say($"alert: \"{alert?.Message}\" -> {alert?.ActionUrl}");
        var disabled = Assert.Single(core.Audit("ssh.disabled"));
        Assert.Equal("succeeded", disabled.Outcome);
        Say($"audit: {disabled.Event} {disabled.Outcome} for {disabled.UserName}: {disabled.Detail}");
        var status = core.Ssh.Status();
        Assert.True(status.LoginDisabled);
        Assert.Equal("backup-code recovery started for alice", status.DisabledReason);

        var enabled = core.EnableFromConsole("bob");

        Assert.True(enabled.Succeeded, enabled.Message);
        Say($"re-enabled by bob: {enabled.Message}");
        Assert.Equal((0, "after\n"), sshd.Run("echo after"));
        Say("new login accepted again");
        Assert.False(File.Exists(Path.Combine(sshd.DropInDirectory, SshDaemon.DropInFileName)));
        Assert.Null(core.OpenAlert(AlertKeys.SshDisabled));
        Assert.False(core.Ssh.Status().LoginDisabled);
        var audit = Assert.Single(core.Audit("ssh.enabled"));
        Assert.Equal(("bob", "succeeded"), (audit.UserName, audit.Outcome));
        Say($"alert cleared; audit: {audit.Event} {audit.Outcome} by {audit.UserName}");
    }

    [Fact]
    public async Task ConsoleSshEnable_AfterLockoutEvent_ReEnablesSshAndClearsAlert()
    {
        HostTools.Require("sshd", "ssh", "ssh-keygen", "unshare");
        using var sshd = TestSshd.Start();
        using var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, reconcile: true);
        core.SetSshTwoFactor(true);
        await core.FailBackupCodesAsync(core.AddAdministrator("alice"));
        await core.ShutOffAppliedAsync();
        Assert.NotEqual(0, sshd.Run("true").ExitCode);
        core.CloseStore();

        var (exit, output) = NasDash(
            ["console", "ssh-enable", "--data", core.DataDirectory],
            new() { ["NasDash__Ssh__DropInDirectory"] = sshd.DropInDirectory, ["NasDash__Ssh__PidFile"] = sshd.PidFile });

        Say($"nasdash console ssh-enable -> exit {exit}: {output.Trim()}");
        Assert.Equal((0, "SSH sign-in is enabled again.\n"), (exit, output));
        Assert.Equal((0, "back\n"), sshd.Run("echo back"));
        using var store = new LiteDbStore(core.DataDirectory, TimeProvider.System);
        Assert.DoesNotContain(store.Open(), a => a.Key == AlertKeys.SshDisabled);
        Assert.False(store.Get().Ssh.LoginDisabled);
        Assert.Equal("succeeded", store.Query(new AuditQuery(EventPrefix: "ssh.enabled")).Single().Outcome);
    }

    [Fact]
    public async Task LockoutEvent_SshTwoFactorOff_LeavesSshAlone()
    {
        HostTools.Require("sshd", "ssh", "ssh-keygen", "unshare");
        using var sshd = TestSshd.Start();
        using var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, reconcile: true);
        var alice = core.AddAdministrator("alice");
        var marker = Marker();
        var session = sshd.OpenSession($"sleep {marker}");
        Assert.True(WaitUntil(() => HostTools.ProcessesRunning($"sleep {marker}").Count == 1));

        Assert.IsType<SecondFactorResult.InvalidBackupCodes>(await core.FailBackupCodesAsync(alice));

        // Nothing was recorded for the reconciler to apply, so there is nothing to wait for.
        Assert.False(core.Ssh.ShutOffPending);
        Assert.False(core.Get<NasDash.Security.Records.ISettingsStore>().Get().Ssh.LoginDisabled);
        Assert.Single(HostTools.ProcessesRunning($"sleep {marker}"));
        Assert.False(session.HasExited);
        Assert.Equal(0, sshd.Run("true").ExitCode);
        Assert.Null(core.OpenAlert(AlertKeys.SshDisabled));
        Assert.Empty(Directory.GetFiles(sshd.DropInDirectory));
    }

    [Fact]
    public void ShutOff_AnotherSshdOnTheMachine_ItsSessionsLiveOn()
    {
        HostTools.Require("sshd", "ssh", "ssh-keygen", "unshare");
        using var ours = TestSshd.Start();
        using var other = TestSshd.Start();
        using var core = new SshCore(ours.DropInDirectory, ours.PidFile, reconcile: true);
        var (mine, theirs) = (Marker(), Marker());
        ours.OpenSession($"sleep {mine}");
        var foreign = other.OpenSession($"sleep {theirs}");
        Assert.True(WaitUntil(() => HostTools.ProcessesRunning($"sleep {mine}").Count == 1 && HostTools.ProcessesRunning($"sleep {theirs}").Count == 1));

        var result = core.Ssh.DisableLogin(new LockoutEvent(LockoutEventKind.SuperLocked, Guid.NewGuid(), "alice", null, DateTimeOffset.UtcNow));

        Assert.True(result.Complete, string.Join("; ", result.Problems));
        Assert.True(WaitUntil(() => HostTools.ProcessesRunning($"sleep {mine}").Count == 0));
        Assert.Single(HostTools.ProcessesRunning($"sleep {theirs}"));
        Assert.False(foreign.HasExited);
        Assert.Equal(0, other.Run("true").ExitCode);
    }

    [Fact]
    public void ShutOff_CommandDaemonizedOutOfItsSession_EndedThroughItsAuditSession()
    {
        HostTools.Require("sshd", "ssh", "ssh-keygen", "unshare");
        // As in Debian's sshd PAM stack, pam_loginuid gives the login an audit session (optional: containers may refuse it).
        using var sshd = TestSshd.StartWithPam(
            "account required pam_permit.so\nsession optional pam_loginuid.so\nsession required pam_permit.so\n", "publickey");
        using var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, reconcile: true);
        var (escaped, waiting) = (Marker(), Marker());
        // setsid -f forks a new login session whose parent exits at once: no ppid or session id leads back to sshd.
        var session = sshd.OpenSession($"setsid -f sleep {escaped}; sleep {waiting}");
        Assert.True(WaitUntil(() => HostTools.ProcessesRunning($"sleep {escaped}").Count == 1 && HostTools.ProcessesRunning($"sleep {waiting}").Count == 1));
        var daemon = HostTools.ProcessesRunning($"sleep {escaped}")[0];
        if (File.ReadAllText($"/proc/{daemon}/sessionid").Trim() == ProcessTable.NoAuditSession.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            Assert.Skip("this kernel gives logins no audit session (pam_loginuid could not set one), so a daemonized command cannot be traced");
        }

        var result = core.Ssh.DisableLogin(new LockoutEvent(LockoutEventKind.SuperLocked, Guid.NewGuid(), "alice", null, DateTimeOffset.UtcNow));

        Assert.True(result.Complete, string.Join("; ", result.Problems));
        Assert.True(WaitUntil(() => HostTools.ProcessesRunning($"sleep {escaped}").Count == 0 && HostTools.ProcessesRunning($"sleep {waiting}").Count == 0));
        Assert.True(WaitUntil(() => session.HasExited));
    }

    /// <summary>Runs the built program (NasDash.dll) as a separate process, as `nasdash …` on the appliance.</summary>
    private static (int ExitCode, string Output) NasDash(string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(typeof(SshLogin).Assembly.Location);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "nasdash console did not finish");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Marker() => (40_000 + RandomNumberGenerator.GetInt32(50_000)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool WaitUntil(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Seconds)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return condition();
    }

    private static string LastLine(string text, string containing) =>
        text.Split('\n').LastOrDefault(l => l.Contains(containing, StringComparison.Ordinal))?.Trim() ?? "";

    private void Say(string line) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.00}s] {line}");
}

/// <summary>The tests that run a private sshd go one after another (each also ends sessions it finds).</summary>
[CollectionDefinition(Name)]
public sealed class SshdCollection
{
    public const string Name = "sshd";
}
