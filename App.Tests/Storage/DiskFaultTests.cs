using System.Diagnostics;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Storage;

/// <summary>
/// A write the disk refuses (full, or gone read-only) is survived in place: the attempt is refused with the typed message,
/// nothing is counted, the original error is logged, and once the disk takes writes again the next attempt counts without a
/// restart. Each disk is mounted in a private mount namespace made for the child, so it goes with the child: the host keeps
/// no mount and no loop device.
/// </summary>
public sealed class DiskFaultTests
{
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(60);
    private static readonly string NotRecorded = $"not-recorded {StoreUnavailableException.AttemptNotRecorded}";

    [Fact]
    public async Task Attempt_OnAFullDisk_IsNotCountedAndCountsOnceSpaceReturns()
    {
        var unshare = DebianPrograms.Require("unshare", "util-linux");
        DebianPrograms.RequireRoot("mounting a small tmpfs in a private mount namespace");
        using var mountPoint = new TempDirectory();
        using var child = StoreChildProcess.StartUnder(
            [unshare, "--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=1m,mode=0700 nasdash-full \"$1\" && shift && exec \"$@\"", "sh", mountPoint.Path],
            "attempts", mountPoint.Path);
        await child.WaitForLinesAsync(1, Answer);
        Assert.Equal("counted 1", await child.AskAsync("attempt", Answer));
        Assert.Equal("ready Healthy", await child.AskAsync("ready", Answer));

        var filler = $"/proc/{child.Id}/root{mountPoint.Path}/filler";
        FillTheDisk(filler);

        Assert.Equal(NotRecorded, await child.AskAsync("attempt", Answer));
        Assert.Equal("stored 1", await child.AskAsync("stored", Answer));
        Assert.Equal("ready Unhealthy", await child.AskAsync("ready", Answer));
        Assert.Contains("No space left on device", child.Errors, StringComparison.Ordinal);

        File.Delete(filler);

        Assert.Equal("counted 2", await child.AskAsync("attempt", Answer));
        Assert.Equal("stored 2", await child.AskAsync("stored", Answer));
        Assert.Equal("ready Healthy", await child.AskAsync("ready", Answer));
    }

    [Fact]
    public async Task Readiness_OnAFullDisk_TurnsUnhealthyAndRecoversByItselfOnceSpaceReturns()
    {
        var unshare = DebianPrograms.Require("unshare", "util-linux");
        DebianPrograms.RequireRoot("mounting a small tmpfs in a private mount namespace");
        using var mountPoint = new TempDirectory();
        using var child = StoreChildProcess.StartUnder(
            [unshare, "--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=1m,mode=0700 nasdash-full \"$1\" && shift && exec \"$@\"", "sh", mountPoint.Path],
            "attempts", mountPoint.Path);
        await child.WaitForLinesAsync(1, Answer);
        Assert.Equal("ready Healthy", await child.AskAsync("ready", Answer));

        var filler = $"/proc/{child.Id}/root{mountPoint.Path}/filler";
        FillTheDisk(filler);
        await child.AskAsync("a-minute-later", Answer);

        Assert.Equal("ready Unhealthy", await child.AskAsync("ready", Answer));
        Assert.Equal("writable False False", await child.AskAsync("writable", Answer));

        File.Delete(filler);
        await child.AskAsync("a-minute-later", Answer);

        Assert.Equal("ready Healthy", await child.AskAsync("ready", Answer));
        Assert.Equal("counted 1", await child.AskAsync("attempt", Answer));
    }

    [Fact]
    public async Task Attempt_OnADiskGoneReadOnly_IsNotCountedAndTheStoreStillAnswers()
    {
        var unshare = DebianPrograms.Require("unshare", "util-linux");
        var mkfs = DebianPrograms.Require("mkfs.ext4", "e2fsprogs");
        DebianPrograms.RequireRoot("mounting an ext4 image in a private mount namespace");
        using var temp = new TempDirectory();
        var image = temp.Combine("disk.ext4");
        await using (var file = File.Create(image))
        {
            file.SetLength(16 * 1024 * 1024);
        }

        await DebianPrograms.RunAsync(mkfs, "-q", "-F", image);
        var mountPoint = Directory.CreateDirectory(temp.Combine("mnt")).FullName;
        using (var child = StoreChildProcess.StartUnder(
            [unshare, "--mount", "--propagation", "private", "sh", "-c", "mount -o loop,errors=remount-ro \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh", image, mountPoint],
            "attempts", mountPoint))
        {
            await child.WaitForLinesAsync(1, Answer);
            Assert.Equal("counted 1", await child.AskAsync("attempt", Answer));

            var loop = LoopDeviceOf(child.Id, mountPoint);
            await File.WriteAllTextAsync($"/sys/fs/ext4/{loop}/trigger_fs_error", "1", TestContext.Current.CancellationToken);

            Assert.Equal(NotRecorded, await child.AskAsync("attempt", Answer));
            Assert.Equal("stored 1", await child.AskAsync("stored", Answer));
            Assert.Equal("writable False False", await child.AskAsync("writable", Answer));
            Assert.Contains("Read-only file system", child.Errors, StringComparison.Ordinal);
            Assert.Equal(NotRecorded, await child.AskAsync("attempt", Answer));
            Assert.Equal("stored 1", await child.AskAsync("stored", Answer));
        }

        await AssertNoLoopDeviceHoldsAsync(image);
    }

    private static void FillTheDisk(string path)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                stream.Write(chunk);
            }
        }
        catch (IOException ex) when (ex.Message.Contains("No space left", StringComparison.Ordinal))
        {
            // Full: exactly what the test wants.
        }
    }

    // The ext4 of the child's mount, as the kernel names it under /sys/fs/ext4 (loop0, loop1…).
    private static string LoopDeviceOf(int pid, string mountPoint)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/mountinfo"))
        {
            var sides = line.Split(" - ");
            if (sides[0].Split(' ')[4] == mountPoint)
            {
                return Path.GetFileName(sides[1].Split(' ')[1]);
            }
        }

        throw new InvalidOperationException($"{mountPoint} is not mounted in process {pid}.");
    }

    // The mount went with the child's namespace; its loop device clears itself once the kernel lets the file system go.
    private static async Task AssertNoLoopDeviceHoldsAsync(string image)
    {
        var waited = Stopwatch.StartNew();
        while (Directory.EnumerateDirectories("/sys/block", "loop*")
            .Select(device => Path.Combine(device, "loop", "backing_file"))
            .Any(backing => File.Exists(backing) && File.ReadAllText(backing).Trim() == image))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"a loop device still holds {image}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
