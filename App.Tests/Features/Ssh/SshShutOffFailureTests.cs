using System.Runtime.Versioning;
using NasDash.Features.Ssh;

namespace NasDash.Tests.Features.Ssh;

/// <summary>
/// When sshd cannot be reached or its configuration cannot be written, the lockout still completes and the alert
/// says what failed. These run against an empty process table, so they can never signal a real process.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SshShutOffFailureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-ssh-fail-").FullName;
    private readonly string _dropIns;
    private readonly string _proc;

    public SshShutOffFailureTests()
    {
        _dropIns = Directory.CreateDirectory(Path.Combine(_directory, "sshd_config.d")).FullName;
        _proc = Directory.CreateDirectory(Path.Combine(_directory, "proc")).FullName;
    }

    private string PidFile => Path.Combine(_directory, "sshd.pid");
    private string DropIn => Path.Combine(_dropIns, SshDaemon.DropInFileName);

    [Fact]
    public async Task LockoutEvent_PidFileMissing_LockoutCompletesAndAlertSaysWhy()
    {
        using var core = Core(_dropIns);
        var alice = core.AddAdministrator("alice");

        var result = await core.FailBackupCodesAsync(alice);

        await core.ShutOffAppliedAsync();

        Assert.IsType<SecondFactorResult.InvalidBackupCodes>(result);
        Assert.Equal(AccountState.Recovery, core.Get<IAccountStore>().FindById(alice.Id)!.State);
        Assert.Equal(
            $"SSH could not be disabled after a lockout event of alice: the sshd PID file {PidFile} does not exist (is sshd running?); " +
            "current SSH sessions could not be found. Check sshd on the appliance, then re-enable",
            core.OpenAlert(AlertKeys.SshDisabled)?.Message);
        Assert.Equal("incomplete", Assert.Single(core.Audit("ssh.disabled")).Outcome);
        Assert.True(core.Ssh.Status().LoginDisabled);
        Assert.Contains("DenyUsers *", File.ReadAllText(DropIn), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LockoutEvent_SshdNotRunning_AlertSaysSo()
    {
        File.WriteAllText(PidFile, "4242\n");
        using var core = Core(_dropIns);
        var alice = core.AddAdministrator("alice");

        await core.FailBackupCodesAsync(alice);

        await core.ShutOffAppliedAsync();

        Assert.Contains($"sshd is not running (the PID file {PidFile} names process 4242, which does not exist)",
            core.OpenAlert(AlertKeys.SshDisabled)?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LockoutEvent_PidFileNamesAnotherProgram_NeverSignalsItAndAlertSaysSo()
    {
        File.WriteAllText(PidFile, "4242\n");
        var process = Directory.CreateDirectory(Path.Combine(_proc, "4242")).FullName;
        File.WriteAllText(Path.Combine(process, "stat"), "4242 (bash) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0 0");
        File.WriteAllText(Path.Combine(process, "cmdline"), "-bash\0");
        using var core = Core(_dropIns);
        var alice = core.AddAdministrator("alice");

        await core.FailBackupCodesAsync(alice);

        await core.ShutOffAppliedAsync();

        Assert.Contains($"process 4242 named by {PidFile} is not sshd (a stale PID file?)", core.OpenAlert(AlertKeys.SshDisabled)?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LockoutEvent_DropInDirectoryNotWritable_LockoutCompletesAndAlertSaysWhy()
    {
        var unwritable = UnwritableDirectory();
        using var core = Core(unwritable);
        var alice = core.AddAdministrator("alice");

        var result = await core.FailBackupCodesAsync(alice);

        await core.ShutOffAppliedAsync();

        Assert.IsType<SecondFactorResult.InvalidBackupCodes>(result);
        Assert.Equal(AccountState.Recovery, core.Get<IAccountStore>().FindById(alice.Id)!.State);
        Assert.Contains($"cannot write {Path.Combine(unwritable, SshDaemon.DropInFileName)}: ", core.OpenAlert(AlertKeys.SshDisabled)?.Message, StringComparison.Ordinal);
        Assert.True(core.Ssh.Status().LoginDisabled);
    }

    [Fact]
    public async Task LockoutEvent_DropInDirectoryMissing_AlertSaysWhy()
    {
        var missing = Path.Combine(_directory, "no-such-dir");
        using var core = Core(missing);

        await core.FailBackupCodesAsync(core.AddAdministrator("alice"));

        await core.ShutOffAppliedAsync();

        Assert.Contains($"the sshd drop-in directory {missing} does not exist", core.OpenAlert(AlertKeys.SshDisabled)?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnableLogin_SshdNotRunning_RemovesDropInClearsAlertAndSaysSshdWasNotReloaded()
    {
        using var core = Core(_dropIns);
        await core.FailBackupCodesAsync(core.AddAdministrator("alice"));
        await core.ShutOffAppliedAsync();

        var result = core.EnableFromConsole("console");

        Assert.True(result.Succeeded);
        Assert.Equal(
            $"SSH sign-in is enabled again; sshd was not reloaded (the sshd PID file {PidFile} does not exist (is sshd running?)); it allows sign-ins once it starts or reloads.",
            result.Message);
        Assert.False(File.Exists(DropIn));
        Assert.Null(core.OpenAlert(AlertKeys.SshDisabled));
        Assert.False(core.Ssh.Status().LoginDisabled);
        Assert.Equal(("console", "succeeded"), (core.Audit("ssh.enabled")[0].UserName, core.Audit("ssh.enabled")[0].Outcome));
    }

    [Fact]
    public void EnableLogin_NotDisabled_RefusesWithNothingToDo()
    {
        using var core = Core(_dropIns);

        var result = core.EnableFromConsole("console");

        Assert.Equal(new SshChangeResult(false, "SSH sign-in is not disabled; nothing to do."), result);
        Assert.Empty(core.Audit("ssh.enabled"));
    }

    [Fact]
    public async Task Reconcile_DisabledButDropInGone_WritesItAgain()
    {
        using var core = Core(_dropIns);
        await core.FailBackupCodesAsync(core.AddAdministrator("alice"));
        await core.ShutOffAppliedAsync();
        File.Delete(DropIn);

        core.Ssh.Reconcile();

        Assert.Contains("DenyUsers *", File.ReadAllText(DropIn), StringComparison.Ordinal);
        Assert.Contains(core.Audit("ssh.disabled"), e => e.Detail!.StartsWith("applied again at start-up", StringComparison.Ordinal));
    }

    [Fact]
    public void Reconcile_EnabledButDropInPresent_RemovesIt()
    {
        File.WriteAllText(DropIn, SshDaemon.DenyAllDropIn(DateTimeOffset.UtcNow));
        using var core = Core(_dropIns);

        core.Ssh.Reconcile();

        Assert.False(File.Exists(DropIn));
    }

    public void Dispose()
    {
        foreach (var dir in Directory.EnumerateDirectories(_directory, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.Delete(_directory, recursive: true);
    }

    private SshCore Core(string dropIns)
    {
        var core = new SshCore(dropIns, PidFile, _proc);
        core.SetSshTwoFactor(true);
        return core;
    }

    /// <summary>A directory this process cannot create files in; root ignores file modes, but not sysfs.</summary>
    private string UnwritableDirectory()
    {
        if (Environment.UserName == "root")
        {
            return "/sys";
        }

        var dir = Directory.CreateDirectory(Path.Combine(_directory, "read-only")).FullName;
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return dir;
    }
}
