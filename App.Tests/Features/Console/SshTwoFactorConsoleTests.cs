using System.Globalization;
using System.Runtime.Versioning;
using NasDash.Features.Ssh;
using NasDash.Security;
using NasDash.Tests.Features.Ssh;
using NasDash.Tests.TestSupport;
using OtpNet;

namespace NasDash.Tests.Features.Console;

/// <summary>
/// `nasdash console ssh-2fa` against the real sshd and PAM: a private sshd whose /etc/pam.d is a copy of the
/// machine's (bind-mounted in its own mount namespace), wired by the console exactly as on an appliance, with
/// pam_faillock keeping its tallies in a test directory. The machine's PAM and sshd are never touched.
/// </summary>
[Collection(SshdCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class SshTwoFactorConsoleTests : IDisposable
{
    private const int AllowedFailures = 5;
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-ssh2fa-").FullName;

    private string PamDirectory => Path.Combine(_directory, "pam.d");
    private string PamFile => Path.Combine(PamDirectory, "sshd");
    private string FaillockDirectory => Path.Combine(_directory, "faillock");
    private string UsersFile => Path.Combine(_directory, "users.oath");

    [Fact]
    public async Task Ssh2fa_EnableThenWrongCodesThenUnlockThenDisable_OtpLoginRateLimitedAndPamRestoredByteForByte()
    {
        HostTools.Require("sshd", "ssh", "ssh-keygen", "unshare", "expect", "oathtool", "faillock");
        CopyMachinePamDirectory();
        var original = await File.ReadAllBytesAsync(PamFile, TestContext.Current.CancellationToken);
        using var sshd = TestSshd.StartWithPamDirectory(PamDirectory, "publickey,keyboard-interactive");
        // Not disposed: that would delete the data directory, which the second core below opens again and deletes.
        var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, UsersFile);
        var dataDirectory = core.DataDirectory;
        try
        {
            core.SetSshTwoFactor(true);
            var admin = core.AddAdministrator(TestSshd.User);
            Assert.True(core.Get<OathUsersFile>().Sync().Written);
            core.CloseStore();
            var console = new Console2fa(this, sshd, dataDirectory);

            var enabled = await console.RunAsync("ssh-2fa", "enable");
            Assert.True(enabled.Exit == 0, enabled.Error);
            Assert.Contains("2FA for SSH wired", enabled.Output, StringComparison.Ordinal);
            Assert.Equal(original, await File.ReadAllBytesAsync(PamFile + SshTwoFactorWiring.BackupSuffix, TestContext.Current.CancellationToken));
            Assert.True(File.Exists(Path.Combine(sshd.DropInDirectory, SshTwoFactorWiring.DropInFileName)));
            var wired = await File.ReadAllBytesAsync(PamFile, TestContext.Current.CancellationToken);
            var again = await console.RunAsync("ssh-2fa", "enable");
            Assert.True(again.Exit == 0, again.Error);
            Assert.Contains("already wired", again.Output, StringComparison.Ordinal);
            Assert.Equal(wired, await File.ReadAllBytesAsync(PamFile, TestContext.Current.CancellationToken));
            Assert.Contains("pam_oath and pam_faillock wired", (await console.RunAsync("ssh-2fa", "status")).Output, StringComparison.Ordinal);

            var first = Login(sshd, Code(admin.Secret, 0), "correct");
            Assert.True(first.ExitCode == 0, first.Output + sshd.Log());

            for (var attempt = 1; attempt <= AllowedFailures; attempt++)
            {
                var wrong = Login(sshd, WrongCode(admin.Secret), $"wrong #{attempt}");
                Assert.True(wrong.ExitCode == 1, wrong.Output);
            }

            var locked = Login(sshd, Code(admin.Secret, 1), $"correct, after {AllowedFailures} wrong ones");
            Assert.True(locked.ExitCode == 1, locked.Output);
            Assert.True(File.Exists(Path.Combine(FaillockDirectory, TestSshd.User)));

            var unlocked = await console.RunAsync("unlock", TestSshd.User);
            Assert.True(unlocked.Exit == 0, unlocked.Error);
            Assert.Contains($"SSH one-time-password failures of {TestSshd.User} cleared", unlocked.Output, StringComparison.Ordinal);
        }
        catch
        {
            core.Dispose();
            throw;
        }

        // Unlock reset the second factor too: the administrator enrols again, and the server brings the file in line.
        using (var reopened = new SshCore(sshd.DropInDirectory, sshd.PidFile, UsersFile, dataDirectory: dataDirectory))
        {
            var accounts = reopened.Get<IAccountStore>();
            Assert.Null(accounts.FindByName(TestSshd.User)!.ProtectedTotpSecret);
            accounts.Delete(accounts.FindByName(TestSshd.User)!.Id);
            var enrolledAgain = reopened.AddAdministrator(TestSshd.User);
            Assert.True(reopened.Get<OathUsersFile>().Sync().Written);
            reopened.CloseStore();

            var accepted = Login(sshd, Code(enrolledAgain.Secret, 0), "correct, after console unlock and a new enrolment");
            Assert.True(accepted.ExitCode == 0, accepted.Output + sshd.Log());

            var console = new Console2fa(this, sshd, dataDirectory);
            var disabled = await console.RunAsync("ssh-2fa", "disable");
            Assert.True(disabled.Exit == 0, disabled.Error);
            Assert.Equal(original, await File.ReadAllBytesAsync(PamFile, TestContext.Current.CancellationToken));
            Assert.False(File.Exists(PamFile + SshTwoFactorWiring.BackupSuffix));
            Assert.False(File.Exists(Path.Combine(sshd.DropInDirectory, SshTwoFactorWiring.DropInFileName)));
            var twice = await console.RunAsync("ssh-2fa", "disable");
            Assert.True(twice.Exit == 0, twice.Error);
            Assert.Equal(original, await File.ReadAllBytesAsync(PamFile, TestContext.Current.CancellationToken));
        }
    }

    [Theory]
    [InlineData("an auth rule of its own", "@include common-auth\nauth required pam_env.so\n")]
    [InlineData("0 '@include common-auth' lines", "auth required pam_unix.so\n")]
    [InlineData("it already mentions pam_oath", "auth required pam_oath.so usersfile=/etc/users.oath\n@include common-auth\n")]
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

    public void Dispose() => Directory.Delete(_directory, recursive: true);

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
                ["NasDash__Ssh__OathUsersFile"] = test.UsersFile,
                ["NasDash__Ssh__FaillockDirectory"] = test.FaillockDirectory,
            }, runAs: sshd.InRoot(test._directory));
    }

    /// <summary>The machine's PAM configuration, as the private sshd will see it at /etc/pam.d.</summary>
    private void CopyMachinePamDirectory()
    {
        Directory.CreateDirectory(FaillockDirectory);
        var (exit, output) = HostTools.Run("cp", "-a", "/etc/pam.d", PamDirectory);
        Assert.True(exit == 0, output);
    }

    private static string Code(byte[] secret, int stepsAhead)
    {
        var at = DateTimeOffset.UtcNow.AddSeconds(stepsAhead * TotpVerifier.StepSeconds).ToUnixTimeSeconds();
        var (exit, output) = HostTools.Run("oathtool", "--totp", $"--now=@{at.ToString(CultureInfo.InvariantCulture)}", Convert.ToHexStringLower(secret));
        Assert.Equal(0, exit);
        return output.Trim();
    }

    /// <summary>Six digits that are no valid code within pam_oath's window (±1 step) nor the steps next to it.</summary>
    private static string WrongCode(byte[] secret)
    {
        var totp = new Totp(secret);
        var now = DateTime.UtcNow;
        var valid = Enumerable.Range(-3, 7).Select(step => totp.ComputeTotp(now.AddSeconds(step * TotpVerifier.StepSeconds))).ToHashSet();
        return Enumerable.Range(1, 20).Select(i => ((int.Parse(valid.First(), CultureInfo.InvariantCulture) + 111_111 * i) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture))
            .First(c => !valid.Contains(c));
    }

    /// <summary>Logs in with the key and answers the one-time-password prompt, if any: 0 logged in, 1 refused.</summary>
    private (int ExitCode, string Output) Login(TestSshd sshd, string code, string what)
    {
        var script = Path.Combine(_directory, "login.exp");
        File.WriteAllText(script, """
            set timeout 20
            set code [lindex $argv 0]
            spawn {*}[lrange $argv 1 end]
            expect {
                "One-time password (OATH)" { send "$code\r"; exp_continue }
                "LOGGED-IN" { expect eof; exit 0 }
                "Permission denied" { expect eof; exit 1 }
                timeout { exit 3 }
                eof { exit 2 }
            }
            """);
        var arguments = new List<string> { script, code, HostTools.Find("ssh")! };
        arguments.AddRange(sshd.ClientOptions());
        arguments.AddRange(["-o", "PreferredAuthentications=publickey,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1",
            $"{TestSshd.User}@127.0.0.1", "echo LOGGED-IN"]);
        var result = HostTools.Run("expect", [.. arguments]);
        TestContext.Current.TestOutputHelper?.WriteLine($"ssh login with the {what} code -> {(result.ExitCode == 0 ? "logged in" : "refused")}");
        return result;
    }
}
