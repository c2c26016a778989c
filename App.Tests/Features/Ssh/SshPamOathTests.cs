using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using NasDash.Storage;
using NasDash.Features.Ssh;
using NasDash.Security;
using OtpNet;

namespace NasDash.Tests.Features.Ssh;

/// <summary>
/// The PAM path end to end: a private sshd (UsePAM, publickey then keyboard-interactive) whose PAM stack is the
/// README's pam_oath line, bind-mounted over /etc/pam.d/sshd in its own mount namespace, reading the users file
/// NasDash wrote. Codes come from oathtool, as an authenticator app would show them.
/// </summary>
[Collection(SshdCollection.Name)]
[SupportedOSPlatform("linux")]
public class SshPamOathTests
{
    private const string Prompt = "One-time password (OATH)";

    [Fact]
    public void UsersFile_WrittenByNasDash_AdmitsCorrectTotpRefusesWrongReplayedAndUntrusted()
    {
        HostTools.Require("sshd", "ssh", "ssh-keygen", "unshare", "expect", "oathtool");
        var usersFile = Path.Combine(Path.GetTempPath(), $"nasdash-users-{Guid.NewGuid():N}.oath");
        using var sshd = TestSshd.StartWithPam(
            $"auth required pam_oath.so usersfile={usersFile} window=1\naccount required pam_permit.so\nsession required pam_permit.so\n",
            "publickey,keyboard-interactive");
        using var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, usersFile);
        try
        {
            core.SetSshTwoFactor(true);
            var admin = core.AddAdministrator(TestSshd.User);
            core.AddAdministrator("carol", AccountState.Recovery);
            var oath = core.Get<OathUsersFile>();

            var sync = oath.Sync();

            Assert.Equal((true, 1, null), (sync.Written, sync.Users, sync.Problem));
            Assert.Equal($"HOTP/T30/6\t{TestSshd.User}\t-\t{Convert.ToHexStringLower(admin.Secret)}\n", File.ReadAllText(usersFile));
            Assert.Equal(AtomicFile.OwnerReadWrite, File.GetUnixFileMode(usersFile));

            var code = OathTool(admin.Secret, DateTimeOffset.UtcNow);
            var first = Login(sshd, code, "correct");
            Assert.True(first.ExitCode == 0, first.Output);
            Assert.Contains(Prompt, first.Output, StringComparison.Ordinal);
            Assert.Contains("LOGGED-IN", first.Output, StringComparison.Ordinal);
            // pam_oath appended its replay memory; a resync for another change keeps it.
            Assert.Contains($"\t{code}\t", File.ReadAllText(usersFile), StringComparison.Ordinal);
            core.AddAdministrator("dave");
            Assert.True(oath.Sync().Written);
            Assert.Contains($"\t{code}\t", File.ReadAllText(usersFile), StringComparison.Ordinal);

            var replayed = Login(sshd, code, "replayed");
            Assert.True(replayed.ExitCode == 1, replayed.Output);
            Assert.Contains(Prompt, replayed.Output, StringComparison.Ordinal);

            var wrong = Login(sshd, WrongCode(admin.Secret), "wrong");
            Assert.True(wrong.ExitCode == 1, wrong.Output);
            Assert.Contains(Prompt, wrong.Output, StringComparison.Ordinal);
            Assert.Contains($"PAM: Authentication failure for {TestSshd.User}", sshd.Log(), StringComparison.Ordinal);

            // In recovery the TOTP is no longer trusted: the user leaves the file, and even the next valid code fails.
            core.SetState(admin.Id, AccountState.Recovery);
            oath.Sync();
            Assert.DoesNotContain(TestSshd.User, File.ReadAllText(usersFile), StringComparison.Ordinal);
            var untrusted = Login(sshd, OathTool(admin.Secret, DateTimeOffset.UtcNow.AddSeconds(TotpVerifier.StepSeconds)), "next valid (account in recovery)");
            Assert.True(untrusted.ExitCode == 1, untrusted.Output);
            Assert.Contains($"PAM: User not known to the underlying authentication module for {TestSshd.User}", sshd.Log(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(usersFile);
        }
    }

    /// <summary>The code oathtool computes from the hex secret at <paramref name="at"/>.</summary>
    private static string OathTool(byte[] secret, DateTimeOffset at)
    {
        var (exit, output) = HostTools.Run("oathtool", "--totp", $"--now=@{at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}", Convert.ToHexStringLower(secret));
        Assert.Equal(0, exit);
        return output.Trim();
    }

    /// <summary>Six digits that are not a valid code anywhere in pam_oath's window of ±1 step (nor the next step).</summary>
    private static string WrongCode(byte[] secret)
    {
        var totp = new Totp(secret);
        var now = DateTime.UtcNow;
        var valid = Enumerable.Range(-2, 5).Select(step => totp.ComputeTotp(now.AddSeconds(step * TotpVerifier.StepSeconds))).ToHashSet();
        return Enumerable.Range(0, 10).Select(i => ((int.Parse(valid.First(), CultureInfo.InvariantCulture) + 111_111 * (i + 1)) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture))
            .First(c => !valid.Contains(c));
    }

    /// <summary>Logs in with the key, answers the one-time-password prompt with <paramref name="code"/>: 0 logged in, 1 refused.</summary>
    private static (int ExitCode, string Output) Login(TestSshd sshd, string code, string what)
    {
        var script = Path.Combine(sshd.Directory, "login.exp");
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
        var stopwatch = Stopwatch.StartNew();
        var result = HostTools.Run("expect", [.. arguments]);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"ssh login answering the OATH prompt with the {what} code -> {(result.ExitCode == 0 ? "logged in" : "refused")} ({stopwatch.ElapsedMilliseconds} ms)");
        return result;
    }
}
