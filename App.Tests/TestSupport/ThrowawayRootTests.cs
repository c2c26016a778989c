using System.Diagnostics;
using System.Runtime.Versioning;
using NasDash.Tests.Features.Ssh;

namespace NasDash.Tests.TestSupport;

[SupportedOSPlatform("linux")]
public sealed class ThrowawayRootTests
{
    [Fact]
    public void Run_WritesUnderEtcUsrAndDpkgDatabase_RootSeesThemMachineNever()
    {
        HostTools.Require(ThrowawayRoot.Programs);
        var name = $"nasdash-throwaway-{Guid.NewGuid():N}";
        string[] paths = [$"/etc/{name}", $"/usr/lib/{name}", $"/var/lib/dpkg/info/{name}.list"];

        using (var root = new ThrowawayRoot())
        {
            foreach (var path in paths)
            {
                Assert.Equal((0, ""), root.Run("sh", "-c", $"echo written > {path}"));
                Assert.Equal("written\n", File.ReadAllText(root.HostPath(path)));
                Assert.False(File.Exists(path), $"{path} reached the machine");
            }
        }

        Assert.DoesNotContain(paths, File.Exists);
    }

    [Fact]
    public void Run_Replacement_ShownInPlaceOfTheMachinesFileWhichStaysAsItWas()
    {
        HostTools.Require(ThrowawayRoot.Programs);
        using var directory = new TempDirectory();
        File.WriteAllText(directory.Combine("passwd"), "only-in-the-root:x:0:0::/:/bin/sh\n");
        var machine = File.ReadAllBytes("/etc/passwd");

        using (var root = new ThrowawayRoot(new Dictionary<string, string> { ["/etc/passwd"] = directory.Combine("passwd") }))
        {
            Assert.Equal((0, "only-in-the-root:x:0:0::/:/bin/sh\n"), root.Run("cat", "/etc/passwd"));
            Assert.Equal(0, root.Run("sh", "-c", "echo appended >> /etc/passwd").ExitCode);
        }

        Assert.Equal(machine, File.ReadAllBytes("/etc/passwd"));
        Assert.EndsWith("appended\n", File.ReadAllText(directory.Combine("passwd")), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TempDirectory_SharedWithTheMachineInBothDirections()
    {
        HostTools.Require(ThrowawayRoot.Programs);
        using var directory = new TempDirectory();
        File.WriteAllText(directory.Combine("from-machine"), "in");
        using var root = new ThrowawayRoot();

        Assert.Equal((0, "in"), root.Run("cat", directory.Combine("from-machine")));
        Assert.Equal(0, root.Run("sh", "-c", $"echo out > {directory.Combine("from-root")}").ExitCode);

        Assert.Equal("out\n", File.ReadAllText(directory.Combine("from-root")));
    }

    [Fact]
    public void Start_WorkingDirectoryAndFreshRun_AsGiven()
    {
        HostTools.Require(ThrowawayRoot.Programs);
        using var directory = new TempDirectory();
        using var root = new ThrowawayRoot();
        using var process = Process.Start(root.Start(directory.Path, "sh", "-c", "pwd; ls -A /run"))!;

        var output = process.StandardOutput.ReadToEnd();

        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal($"{directory.Path}\nlock\nsshd\n", output);
    }

    [Fact]
    public void Dispose_ProcessStillRunningInside_Ended()
    {
        HostTools.Require(ThrowawayRoot.Programs);
        var marker = System.Security.Cryptography.RandomNumberGenerator.GetInt32(100_000, 200_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var root = new ThrowawayRoot();
        // setsid -f detaches it from the process the test started, as a daemon would.
        Assert.Equal(0, root.Run("sh", "-c", $"setsid -f sleep {marker} >/dev/null 2>&1").ExitCode);
        // setsid -f returns once it has forked: the child may not have become "sleep" yet.
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (HostTools.ProcessesRunning($"sleep {marker}").Count == 0 && started.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
        }

        Assert.Single(HostTools.ProcessesRunning($"sleep {marker}"));

        root.Dispose();

        Assert.Empty(HostTools.ProcessesRunning($"sleep {marker}"));
    }
}
