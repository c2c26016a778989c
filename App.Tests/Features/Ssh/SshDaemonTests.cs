using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Features.Ssh;
using NasDash.Hosting;

namespace NasDash.Tests.Features.Ssh;

public sealed class SshDaemonTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-sshd-unit-").FullName;

    [Theory]
    [InlineData("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", true)]
    [InlineData("/usr/sbin/sshd -D", true)]
    [InlineData("sshd -D -f /etc/ssh/sshd_config", true)]
    [InlineData("-bash", false)]
    [InlineData("/usr/bin/sshd-lookalike", false)]
    [InlineData("", false)]
    public void LooksLikeSshd_ProcessTitles(string title, bool expected) => Assert.Equal(expected, SshDaemon.LooksLikeSshd(title));

    [Fact]
    public void DenyAllDropIn_RefusesEveryUserAndNamesTheWayBack()
    {
        var text = SshDaemon.DenyAllDropIn(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

        Assert.Contains("\nDenyUsers *\n", text, StringComparison.Ordinal);
        Assert.Contains("2026-01-02 03:04:05 UTC", text, StringComparison.Ordinal);
        Assert.Contains("nasdash console ssh-enable", text, StringComparison.Ordinal);
        Assert.All(text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')), l => Assert.Equal("DenyUsers *", l));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sshd")]
    [InlineData("-5")]
    [InlineData("1")]
    [InlineData("99999999999")]
    public void FindListener_PidFileWithoutAProcessId_SaysSo(string content)
    {
        var pidFile = Path.Combine(_directory, "sshd.pid");
        File.WriteAllText(pidFile, content);

        var lookup = Daemon(pidFile).FindListener();

        Assert.Equal(new ListenerLookup.NotRunning($"the sshd PID file {pidFile} does not hold a process id"), lookup);
    }

    [Fact]
    public void FindListener_ProcessWithoutListeningSocket_SaysSo()
    {
        // An sshd-titled process in a made-up process table, holding no sockets.
        var pidFile = Path.Combine(_directory, "sshd.pid");
        var proc = Directory.CreateDirectory(Path.Combine(_directory, "proc", "4242")).FullName;
        File.WriteAllText(Path.Combine(proc, "stat"), "4242 (sshd) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0 0");
        File.WriteAllText(Path.Combine(proc, "cmdline"), "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\0");
        File.WriteAllText(pidFile, "4242");

        var lookup = Daemon(pidFile).FindListener();

        Assert.Equal(new ListenerLookup.NotRunning("sshd (process 4242) shows NasDash no listening TCP socket (NasDash must run as root to control SSH)"), lookup);
    }

    [Theory]
    [InlineData("4242 (sshd) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0 0", 'S', 1, 4242, 777UL)]
    [InlineData("17 (a) b) c) Z 3 17 9 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 123456789012 0 0 0", 'Z', 3, 9, 123456789012UL)]
    public void ParseStat_NamesWithSpacesAndParentheses(string stat, char state, int parent, int session, ulong start) =>
        Assert.Equal((state, parent, session, start), ProcessTable.ParseStat(stat));

    [Fact]
    public void ProcessTable_ThisProcess_ReadsItsParentAndStartTime()
    {
        var table = new ProcessTable(ProcessTable.DefaultRoot);
        var self = table.Find(Environment.ProcessId);

        Assert.NotNull(self);
        Assert.Equal(self.StartTime, table.StartTime(Environment.ProcessId));
        Assert.Equal(Environment.ProcessId, table.Snapshot().Single(p => p.Pid == Environment.ProcessId).Pid);
        Assert.True(self.ParentPid > 0);
    }

    [Fact]
    public void AddSsh_UsesTheConfiguredPathsAsTheyAre()
    {
        var options = new NasDashOptions { DataDirectory = _directory };
        var services = new ServiceCollection();
        services.AddSingleton(options).AddSsh();

        using var provider = services.BuildServiceProvider();
        var effective = provider.GetRequiredService<SshOptions>();

        Assert.Same(options.Ssh, effective);
        Assert.Equal(("/etc/ssh/sshd_config.d", "/run/sshd.pid", "/usr/bin/nasdash"), (effective.DropInDirectory, effective.PidFile, effective.Program));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private SshDaemon Daemon(string pidFile) =>
        new(new SshOptions { DropInDirectory = _directory, PidFile = pidFile }, new ProcessTable(Path.Combine(_directory, "proc")), TimeProvider.System);
}
