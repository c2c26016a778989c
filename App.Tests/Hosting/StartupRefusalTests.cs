using Microsoft.Extensions.Time.Testing;
using NasDash.Storage;
using NasDash.Tests.Features.Console;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

/// <summary>A start-up the operator has to fix ends with one plain line on stderr and exit code 1, not a stack trace.</summary>
public sealed class StartupRefusalTests
{
    [Fact]
    public async Task Start_WithAnUnparsableTrustedProxy_RefusesInOneLine()
    {
        using var data = new TempDirectory();

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path, "--NasDash:TrustedProxies:0", "proxy.lan");

        Assert.Equal(1, result.Exit);
        Assert.Equal(
            "nasdash: NasDash:TrustedProxies has 'proxy.lan', which is neither an IP address nor a network like 10.0.0.0/8.",
            result.Error.Trim());
    }

    [Theory]
    [InlineData("--NasDash:Session:IdleTimeout", "nonsense", "NasDash:Session:IdleTimeout has 'nonsense', which is not a time span like 00:30:00.")]
    [InlineData("--NasDash:Session:IdleTimeout", "-00:05:00", "NasDash:Session:IdleTimeout is -00:05:00; it must be longer than zero.")]
    [InlineData("--NasDash:Session:AbsoluteLifetime", "00:00:00", "NasDash:Session:AbsoluteLifetime is 00:00:00; it must be longer than zero.")]
    [InlineData("--NasDash:Audit:RetentionDays", "0", "NasDash:Audit:RetentionDays is 0; audit events must be kept for at least 1 day.")]
    [InlineData("--NasDash:Audit:RetentionDays", "a year", "NasDash:Audit:RetentionDays has 'a year', which is not a whole number.")]
    public async Task Start_WithABadOption_RefusesInOneLineNamingTheKey(string key, string value, string reason)
    {
        using var data = new TempDirectory();

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path, key, value);

        Assert.Equal(1, result.Exit);
        Assert.Equal($"nasdash: {reason}", result.Error.Trim());
        Assert.False(File.Exists(Path.Combine(data.Path, DataDirectory.DatabaseFile)));
    }

    [Fact]
    public async Task Start_WithADataDirectoryThatIsAFile_RefusesInOneLineNamingTheKey()
    {
        using var data = new TempDirectory();
        var file = Path.Combine(data.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path, "--NasDash:DataDirectory", file);

        Assert.Equal(1, result.Exit);
        Assert.Equal($"nasdash: NasDash:DataDirectory is '{file}', which is a file, not a directory.", result.Error.Trim());
    }

    [Fact]
    public async Task Start_WithADataDirectoryUnderAFile_RefusesInOneLineNamingTheKey()
    {
        using var data = new TempDirectory();
        var file = Path.Combine(data.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);
        var under = Path.Combine(file, "data");

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path, "--NasDash:DataDirectory", under);

        Assert.Equal(1, result.Exit);
        Assert.Equal($"nasdash: NasDash:DataDirectory is '{under}', which cannot be created: {file} is a file.", result.Error.Trim());
    }

    [Fact]
    public async Task Start_WhileTheStoreIsOpenElsewhere_RefusesInOneLine()
    {
        using var data = new TempDirectory();
        using var held = new LiteDbStore(data.Path, new FakeTimeProvider());

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path);

        Assert.Equal(1, result.Exit);
        Assert.Equal($"nasdash: The NasDash store in {data.Path} is in use by another process (a running server or console).", result.Error.Trim());
    }

    [Fact]
    public async Task Start_WithAnEmptyStore_RefusesInOneLineInsteadOfStartingAsANewAppliance()
    {
        using var data = new TempDirectory();
        SetUpAppliance(data.Path);
        await File.WriteAllBytesAsync(data.Combine(DataDirectory.DatabaseFile), [], TestContext.Current.CancellationToken);

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path);

        Assert.Equal(1, result.Exit);
        Assert.Equal(
            $"nasdash: {data.Combine(DataDirectory.DatabaseFile)} is empty (0 bytes), as a power cut or a full disk can leave it. Restore it from a backup, or move it aside to start anew as a new appliance.",
            result.Error.Trim());
        Assert.False(File.Exists(data.Combine("setup-token")));
        Assert.Equal(0, new FileInfo(data.Combine(DataDirectory.DatabaseFile)).Length);
    }

    [Fact]
    public async Task Console_WithAnEmptyStore_RefusesInTheSameLine()
    {
        using var data = new TempDirectory();
        SetUpAppliance(data.Path);
        await File.WriteAllBytesAsync(data.Combine(DataDirectory.DatabaseFile), [], TestContext.Current.CancellationToken);

        var result = await NasDashProcess.ConsoleAsync(["status", "--data", data.Path], data.Path);

        Assert.NotEqual(0, result.Exit);
        Assert.Equal(
            $"nasdash console: {data.Combine(DataDirectory.DatabaseFile)} is empty (0 bytes), as a power cut or a full disk can leave it. Restore it from a backup, or move it aside to start anew as a new appliance.",
            result.Error.Trim());
        Assert.Equal(0, new FileInfo(data.Combine(DataDirectory.DatabaseFile)).Length);
    }

    [Fact]
    public async Task Start_WithTheStoreGoneFromASetUpDirectory_RefusesInOneLine()
    {
        using var data = new TempDirectory();
        SetUpAppliance(data.Path);
        File.Delete(data.Combine(DataDirectory.DatabaseFile));

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path);

        Assert.Equal(1, result.Exit);
        Assert.Equal(
            $"nasdash: {data.Combine(DataDirectory.DatabaseFile)} is missing, but {data.Combine("setup-done")} shows this appliance was set up. Restore the store from a backup, or move {data.Combine("setup-done")} aside to start anew as a new appliance.",
            result.Error.Trim());
        Assert.False(File.Exists(data.Combine(DataDirectory.DatabaseFile)));
    }

    [Fact]
    public async Task Start_WithAStoreWithoutSetupInASetUpDirectory_RefusesInOneLine()
    {
        using var data = new TempDirectory();
        SetUpAppliance(data.Path);
        File.Delete(data.Combine(DataDirectory.DatabaseFile));
        using (new LiteDbStore(Path.Combine(data.Path, "elsewhere"), new FakeTimeProvider()))
        {
        }

        File.Move(Path.Combine(data.Path, "elsewhere", DataDirectory.DatabaseFile), data.Combine(DataDirectory.DatabaseFile));

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path);

        Assert.Equal(1, result.Exit);
        Assert.Equal(
            $"nasdash: {data.Combine(DataDirectory.DatabaseFile)} holds no completed setup, but {data.Combine("setup-done")} shows this appliance was set up. Restore the store from a backup, or move both aside to start anew as a new appliance.",
            result.Error.Trim());
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("bit-flipped")]
    public async Task Start_WithADamagedStore_RefusesInOneLineNamingTheFile(string damage)
    {
        using var data = new TempDirectory();
        SetUpAppliance(data.Path);
        var file = data.Combine(DataDirectory.DatabaseFile);
        var bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
        if (damage == "truncated")
        {
            bytes = bytes[..(bytes.Length / 2 + 100)];
        }
        else
        {
            // Every page past the header gets one bit flipped in its header and one in its content.
            for (var page = 8192; page < bytes.Length; page += 8192)
            {
                bytes[page + 4] ^= 0x10;
                bytes[page + 200] ^= 0x01;
            }
        }

        await File.WriteAllBytesAsync(file, bytes, TestContext.Current.CancellationToken);

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path);

        Assert.Equal(1, result.Exit);
        var line = Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith($"nasdash: {file} cannot be read (", line, StringComparison.Ordinal);
        Assert.EndsWith("). Restore it from a backup, or move it and nasdash-log.db aside to start anew as a new appliance.", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAStoreOfANewerSchema_RefusesInOneLine()
    {
        using var data = new TempDirectory();
        SetUpAppliance(data.Path);
        using (var raw = new LiteDB.LiteDatabase(data.Combine(DataDirectory.DatabaseFile)))
        {
            raw.GetCollection(Migrations.MetaCollection).Upsert(new LiteDB.BsonDocument { ["_id"] = "schema", ["version"] = Migrations.CurrentVersion + 1 });
        }

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path);

        Assert.Equal(1, result.Exit);
        Assert.Equal(
            $"nasdash: {data.Combine(DataDirectory.DatabaseFile)} has schema version {Migrations.CurrentVersion + 1}; this NasDash understands up to {Migrations.CurrentVersion} and would drop what a newer one stored. Install the newer NasDash again, or restore a backup made by this version.",
            result.Error.Trim());
    }

    [Fact]
    public async Task Start_OnADataDirectoryMountedReadOnly_RefusesInOneLine()
    {
        var unshare = DebianPrograms.Require("unshare", "util-linux");
        DebianPrograms.RequireRoot("a read-only bind mount in a private mount namespace");
        using var data = new TempDirectory();
        SetUpAppliance(data.Path);

        var result = await NasDashProcess.ServerUntilExitAsync(
            [unshare, "--mount", "--propagation", "private", "sh", "-c", "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && shift && exec \"$@\"", "sh", data.Path],
            data.Path);

        Assert.Equal(1, result.Exit);
        var line = Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith($"nasdash: The NasDash store in {data.Path} cannot be opened for writing (", line, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", line, StringComparison.Ordinal);
        Assert.EndsWith("Check that its disk is mounted read-write and has space, and that the service account owns the directory.", line, StringComparison.Ordinal);
    }

    // A store whose setup completed, closed: the data directory the server finds after a reboot.
    private static void SetUpAppliance(string dataDirectory)
    {
        using var store = new LiteDbStore(dataDirectory, new FakeTimeProvider());
        store.TryInsert(NasDash.Security.Accounts.Account.Create("alice", "hash", DateTimeOffset.UnixEpoch));
        store.Update(settings => settings.SetupCompleted = true);
        Assert.True(File.Exists(Path.Combine(dataDirectory, "setup-done")));
    }
}
