using System.Globalization;
using System.Runtime.Versioning;
using NasDash.Features.Ssh;
using NasDash.Tests.Features.Ssh;
using NasDash.Tests.TestSupport;
using OtpNet;

namespace NasDash.Tests.Features.Console;

/// <summary>
/// `nasdash console ssh-2fa` against the real sshd and PAM: a private sshd whose /etc/pam.d is a copy of the
/// machine's (bind-mounted in its own mount namespace), wired by the console exactly as on an appliance, with
/// pam_nasdash.so installed in the sshd's throwaway root only. The machine's PAM and sshd are never touched.
/// </summary>
[Collection(SshdCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class SshTwoFactorConsoleTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-ssh2fa-").FullName;
    private readonly string _data = Directory.CreateTempSubdirectory("nasdash-ssh2fa-data-").FullName;

    private string PamDirectory => Path.Combine(_directory, "pam.d");
    private string PamFile => Path.Combine(PamDirectory, "sshd");
    private string Program => Path.Combine(_directory, "nasdash");

    [Fact]
    public async Task Ssh2fa_EnableOnPamOathWiring_MigratesToPamNasDash_CodesCheckedByNasDash_DisableRestoresByteForByte()
    {
        SshPamNasDashTests.Require();
        CopyMachinePamDirectory();
        var original = await File.ReadAllBytesAsync(PamFile, TestContext.Current.CancellationToken);
        // The appliance as an older NasDash left it: pam_oath guarded by pam_faillock, and the original kept.
        var oathWired = OathWiring(System.Text.Encoding.Latin1.GetString(original));
        await File.WriteAllTextAsync(PamFile + SshTwoFactorWiring.BackupSuffix, System.Text.Encoding.Latin1.GetString(original), System.Text.Encoding.Latin1, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(PamFile, oathWired, System.Text.Encoding.Latin1, TestContext.Current.CancellationToken);
        using var sshd = TestSshd.StartWithPamDirectory(PamDirectory, "publickey,keyboard-interactive");
        PamModule.InstallInto(sshd.HostPath);
        PamModule.Program(_directory, sshd);
        using var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, dataDirectory: _data);
        var server = await PamModule.StartServerAsync(core);
        try
        {
            core.SetSshTwoFactor(true);
            var admin = core.AddAdministrator(TestSshd.User);
            var console = new Console2fa(this, sshd, _data);
            Assert.Contains("the older pam_oath and pam_faillock wiring", (await console.RunAsync("ssh-2fa", "status")).Output, StringComparison.Ordinal);

            var migrated = await console.RunAsync("ssh-2fa", "enable");

            Assert.True(migrated.Exit == 0, migrated.Error);
            Assert.Contains("2FA for SSH migrated", migrated.Output, StringComparison.Ordinal);
            var wired = await File.ReadAllTextAsync(PamFile, TestContext.Current.CancellationToken);
            Assert.Contains($"auth    required    pam_nasdash.so data={_data} nasdash={Program}\n", wired, StringComparison.Ordinal);
            Assert.DoesNotContain("pam_oath", wired, StringComparison.Ordinal);
            Assert.DoesNotContain("pam_faillock", wired, StringComparison.Ordinal);
            Assert.Equal(original, await File.ReadAllBytesAsync(PamFile + SshTwoFactorWiring.BackupSuffix, TestContext.Current.CancellationToken));
            var again = await console.RunAsync("ssh-2fa", "enable");
            Assert.Contains("already wired", again.Output, StringComparison.Ordinal);
            Assert.Equal(wired, await File.ReadAllTextAsync(PamFile, TestContext.Current.CancellationToken));
            Assert.Contains("PAM: pam_nasdash.so wired", (await console.RunAsync("ssh-2fa", "status")).Output, StringComparison.Ordinal);

            var signedIn = SshPamNasDashTests.Login(sshd, await admin.NextCodeAsync(TimeProvider.System), "correct, after the migration");
            Assert.True(signedIn.ExitCode == 0, signedIn.Output + sshd.Log());
            var wrong = SshPamNasDashTests.Login(sshd, SshPamNasDashTests.WrongCode(admin.Secret), "wrong, after the migration");
            Assert.True(wrong.ExitCode == 1, wrong.Output);
            Assert.Equal(1, core.Get<IAccountStore>().FindByName(TestSshd.User)!.TotpFailures);

            var disabled = await console.RunAsync("ssh-2fa", "disable");
            Assert.True(disabled.Exit == 0, disabled.Error);
            Assert.Equal(original, await File.ReadAllBytesAsync(PamFile, TestContext.Current.CancellationToken));
            Assert.False(File.Exists(PamFile + SshTwoFactorWiring.BackupSuffix));
            Assert.False(File.Exists(Path.Combine(sshd.DropInDirectory, SshTwoFactorWiring.DropInFileName)));
            var twice = await console.RunAsync("ssh-2fa", "disable");
            Assert.True(twice.Exit == 0, twice.Error);
            Assert.Equal(original, await File.ReadAllBytesAsync(PamFile, TestContext.Current.CancellationToken));

            var fresh = await console.RunAsync("ssh-2fa", "enable");
            Assert.True(fresh.Exit == 0, fresh.Error);
            Assert.Contains("2FA for SSH wired", fresh.Output, StringComparison.Ordinal);
            Assert.Equal(original, await File.ReadAllBytesAsync(PamFile + SshTwoFactorWiring.BackupSuffix, TestContext.Current.CancellationToken));
            var afresh = SshPamNasDashTests.Login(sshd, await admin.NextCodeAsync(TimeProvider.System), "correct, freshly wired");
            Assert.True(afresh.ExitCode == 0, afresh.Output + sshd.Log());
            Assert.Empty(Directory.GetFiles(_data, "*.oath"));
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("an auth rule of its own", "@include common-auth\nauth required pam_env.so\n")]
    [InlineData("0 '@include common-auth' lines", "auth required pam_unix.so\n")]
    [InlineData("it already mentions pam_oath, pam_faillock or pam_nasdash.so", "auth required pam_oath.so usersfile=/etc/users.oath\n@include common-auth\n")]
    [InlineData("an include that may hold auth rules", "@include common-auth\n@include site-auth\n")]
    public async Task Ssh2faEnable_HandEditedPamFile_RefusedWithReasonNothingChanged(string reason, string pam)
    {
        Directory.CreateDirectory(PamDirectory);
        var dropIns = Directory.CreateDirectory(Path.Combine(_directory, "sshd_config.d")).FullName;
        var content = "# PAM configuration for the Secure Shell service\n" + pam + "account required pam_nologin.so\n@include common-account\n";
        await File.WriteAllTextAsync(PamFile, content, TestContext.Current.CancellationToken);

        var result = await NasDashProcess.ConsoleAsync(["ssh-2fa", "enable", "--data", _directory], _directory, environment: new Dictionary<string, string>
        {
            ["NasDash__Ssh__PamServiceFile"] = PamFile,
            ["NasDash__Ssh__DropInDirectory"] = dropIns,
            ["NasDash__Ssh__SshdConfigFile"] = Path.Combine(_directory, "sshd_config"),
            ["NasDash__Ssh__PidFile"] = Path.Combine(_directory, "sshd.pid"),
        });

        Assert.Equal(1, result.Exit);
        Assert.Contains($"{PamFile} is not the stack Debian ships ({reason}", result.Error, StringComparison.Ordinal);
        Assert.Contains("nothing changed", result.Error, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllTextAsync(PamFile, TestContext.Current.CancellationToken));
        Assert.Equal([PamFile], Directory.GetFiles(PamDirectory));
        Assert.Empty(Directory.GetFileSystemEntries(dropIns));
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    /// <summary>The stack as `ssh-2fa enable` of the pam_oath era wrote it: common-auth replaced by pam_oath behind pam_faillock.</summary>
    private static string OathWiring(string pam)
    {
        var template = File.ReadAllText(Path.Combine(Packaging.DebianPackageBuild.RepositoryRoot, "App", "Features", "Ssh", "TwoFactorWiring", "pam-sshd-2fa-oath"))
            .Replace("@OATH_USERS_FILE@", "/var/lib/nasdash/users.oath", StringComparison.Ordinal)
            .Replace("@FAILLOCK_DIRECTORY@", "/var/run/faillock", StringComparison.Ordinal);
        var lines = pam.Split('\n').ToList();
        var index = lines.FindIndex(l => l.Trim() == "@include common-auth");
        Assert.True(index >= 0, "the machine's /etc/pam.d/sshd has no '@include common-auth'");
        lines.RemoveAt(index);
        lines.InsertRange(index, [SshTwoFactorWiring.BlockBegin, SshTwoFactorWiring.ReplacedPrefix + "@include common-auth", .. template.TrimEnd('\n').Split('\n'), SshTwoFactorWiring.BlockEnd]);
        return string.Join('\n', lines);
    }


    /// <summary>The console run as an operator would, with the test sshd's paths as its configuration.</summary>
    private sealed class Console2fa(SshTwoFactorConsoleTests test, TestSshd sshd, string dataDirectory)
    {
        public Task<NasDashProcess.Result> RunAsync(params string[] args) =>
            NasDashProcess.ConsoleAsync([.. args, "--data", dataDirectory], test._directory, environment: new Dictionary<string, string>
            {
                ["NasDash__Ssh__PamServiceFile"] = test.PamFile,
                ["NasDash__Ssh__DropInDirectory"] = sshd.DropInDirectory,
                ["NasDash__Ssh__SshdConfigFile"] = sshd.ConfigFile,
                ["NasDash__Ssh__PidFile"] = sshd.PidFile,
                ["NasDash__Ssh__Program"] = test.Program,
            }, runAs: sshd.InRoot(test._directory));
    }

    /// <summary>The machine's PAM configuration, as the private sshd will see it at /etc/pam.d.</summary>
    private void CopyMachinePamDirectory()
    {
        var (exit, output) = HostTools.Run("cp", "-a", "/etc/pam.d", PamDirectory);
        Assert.True(exit == 0, output);
    }
}
