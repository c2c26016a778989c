using System.Runtime.Versioning;
using NasDash.Storage;
using NasDash.Features.Ssh;
using NasDash.Security;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Ssh;

[SupportedOSPlatform("linux")]
public sealed class OathUsersFileTests : IDisposable
{
    private static readonly byte[] RfcSecret = "12345678901234567890"u8.ToArray();
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-oath-").FullName;

    private string UsersFile => Path.Combine(_directory, "users.oath");

    [Fact]
    public void Render_OneUser_WritesPamOathLineWithHexSecret() =>
        Assert.Equal("HOTP/T30/6\talice\t-\t3132333435363738393031323334353637383930\n",
            OathUsersFile.Render([new OathUser("alice", RfcSecret)], null));

    [Fact]
    public void Render_NoUsers_IsEmpty() => Assert.Equal("", OathUsersFile.Render([], "HOTP/T30/6\told\t-\tabcd\n"));

    [Theory]
    [InlineData("alice\tHOTP/T30/6")]
    [InlineData("alice\nHOTP/T30/6\tmallory\t-\t00")]
    [InlineData("alice bob")]
    [InlineData(" alice")]
    [InlineData("Alice")]
    [InlineData("-alice")]
    [InlineData("#alice")]
    [InlineData("")]
    [InlineData("ålice")]
    [InlineData("alice\0")]
    [InlineData("a234567890123456789012345678901234")]
    public void Line_HostileUserName_IsNotWritten(string userName)
    {
        Assert.Null(OathUsersFile.Line(new OathUser(userName, RfcSecret)));
        Assert.Equal("", OathUsersFile.Render([new OathUser(userName, RfcSecret)], null));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("a.b_c-1")]
    [InlineData("root")]
    public void Line_PosixUserName_IsWritten(string userName) =>
        Assert.StartsWith($"HOTP/T30/6\t{userName}\t-\t", OathUsersFile.Line(new OathUser(userName, RfcSecret)), StringComparison.Ordinal);

    [Fact]
    public void Render_SameSecret_KeepsPamOathReplayMemory()
    {
        const string used = "HOTP/T30/6\talice\t-\t3132333435363738393031323334353637383930\t0\t287082\t2026-01-01T10:00:00L";

        var content = OathUsersFile.Render([new OathUser("alice", RfcSecret), new OathUser("bob", [1, 2, 3])], $"{used}\nHOTP/T30/6\tgone\t-\tabcd\n");

        Assert.Equal($"{used}\nHOTP/T30/6\tbob\t-\t010203\n", content);
    }

    [Fact]
    public void Render_NewSecret_ReplacesLineAndForgetsOldState()
    {
        const string used = "HOTP/T30/6\talice\t-\tffffffff\t0\t287082\t2026-01-01T10:00:00L";

        Assert.Equal("HOTP/T30/6\talice\t-\t3132333435363738393031323334353637383930\n",
            OathUsersFile.Render([new OathUser("alice", RfcSecret)], used + "\n"));
    }

    [Fact]
    public void Sync_SshTwoFactorOn_ListsAdministratorsWithTrustedTotpOnly()
    {
        using var core = Core(twoFactorForSsh: true);
        var alice = core.AddAdministrator("alice");
        var bob = core.AddAdministrator("bob", AccountState.Normal);
        core.AddAdministrator("carol", AccountState.Recovery);
        core.AddAdministrator("dave", AccountState.SuperLocked);
        var accounts = core.Get<IAccountStore>();
        var erin = accounts.FindById(core.AddAdministrator("erin").Id)!;
        erin.ResetByAdministrator(DateTimeOffset.UtcNow);
        accounts.SaveSetUp(erin);

        var result = core.Get<OathUsersFile>().Sync();

        Assert.Equal(new OathSyncResult(true, 2, [], null), result with { Skipped = [] });
        Assert.Equal(
            $"HOTP/T30/6\talice\t-\t{Convert.ToHexStringLower(alice.Secret)}\nHOTP/T30/6\tbob\t-\t{Convert.ToHexStringLower(bob.Secret)}\n",
            File.ReadAllText(UsersFile));
        Assert.Equal("2 administrators in " + UsersFile, core.Get<OathUsersFile>().Describe());
    }

    [Fact]
    public void Sync_AccountWithUnsafeName_LeftOutAndReported()
    {
        using var core = Core(twoFactorForSsh: true);
        core.AddAdministrator("Mallory Smith");
        core.AddAdministrator("alice");

        var result = core.Get<OathUsersFile>().Sync();

        Assert.Equal(["Mallory Smith"], result.Skipped);
        Assert.Equal(1, result.Users);
        Assert.DoesNotContain("Mallory", File.ReadAllText(UsersFile), StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_ExistingFileWithLooseMode_RewrittenOwnerOnly()
    {
        File.WriteAllText(UsersFile, "");
        File.SetUnixFileMode(UsersFile, AtomicFile.WorldReadable);
        using var core = Core(twoFactorForSsh: true);
        core.AddAdministrator("alice");

        core.Get<OathUsersFile>().Sync();

        Assert.Equal(AtomicFile.OwnerReadWrite, File.GetUnixFileMode(UsersFile));
        Assert.Equal(["users.oath"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Sync_NothingChanged_DoesNotRewrite()
    {
        using var core = Core(twoFactorForSsh: true);
        core.AddAdministrator("alice");
        var oath = core.Get<OathUsersFile>();
        Assert.True(oath.Sync().Written);
        var inode = Inode(UsersFile);

        Assert.False(oath.Sync().Written);
        Assert.Equal(inode, Inode(UsersFile));
    }

    [Fact]
    public void Sync_SshTwoFactorOff_EmptiesExistingFile()
    {
        File.WriteAllText(UsersFile, "HOTP/T30/6\talice\t-\t3132\n");
        using var core = Core(twoFactorForSsh: false);
        core.AddAdministrator("alice");

        var result = core.Get<OathUsersFile>().Sync();

        Assert.True(result.Written);
        Assert.Equal("", File.ReadAllText(UsersFile));
    }

    [Fact]
    public void Sync_SshTwoFactorOffAndNoFile_CreatesNothing()
    {
        using var core = Core(twoFactorForSsh: false);
        core.AddAdministrator("alice");

        Assert.Equal(new OathSyncResult(false, 0, [], null), core.Get<OathUsersFile>().Sync() with { Skipped = [] });
        Assert.False(File.Exists(UsersFile));
    }

    [Fact]
    public void Sync_DirectoryMissing_ReportsProblem()
    {
        var missing = Path.Combine(_directory, "nope", "users.oath");
        using var core = new SshCore(_directory, Path.Combine(_directory, "sshd.pid"), missing, Path.Combine(_directory, "proc"));
        core.SetSshTwoFactor(true);

        Assert.StartsWith($"cannot write {missing}: ", core.Get<OathUsersFile>().Sync().Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AtomicWrite_ConcurrentReader_SeesOldOrNewContentNeverPartial()
    {
        var first = new string('a', 256 * 1024);
        var second = new string('b', 256 * 1024);
        AtomicFile.Write(UsersFile, first, AtomicFile.OwnerReadWrite);
        using var stop = new CancellationTokenSource();
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var torn = 0;
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var seen = File.ReadAllText(UsersFile);
                Interlocked.Increment(ref reads);
                reading.TrySetResult();
                if (seen != first && seen != second)
                {
                    Interlocked.Increment(ref torn);
                }
            }
        }, TestContext.Current.CancellationToken);

        // On a loaded machine the reader may start late; the writes only prove something while it reads.
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var readsBefore = Volatile.Read(ref reads);
        for (var i = 0; i < 40 || (Volatile.Read(ref reads) - readsBefore < 10 && !reader.IsCompleted); i++)
        {
            AtomicFile.Write(UsersFile, i % 2 == 0 ? second : first, AtomicFile.OwnerReadWrite);
        }

        stop.Cancel();
        await reader;
        Assert.Equal(0, torn);
        Assert.Single(Directory.GetFiles(_directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private SshCore Core(bool twoFactorForSsh)
    {
        var core = new SshCore(_directory, Path.Combine(_directory, "sshd.pid"), UsersFile, Path.Combine(_directory, "proc"));
        core.SetSshTwoFactor(twoFactorForSsh);
        return core;
    }

    private static string Inode(string path) => HostTools.Run("stat", "-c", "%i", path).Output.Trim();
}
