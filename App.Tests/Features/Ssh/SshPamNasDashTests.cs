using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using NasDash.Features.Console;
using NasDash.Features.Ssh;
using NasDash.Storage;
using OtpNet;

namespace NasDash.Tests.Features.Ssh;

/// <summary>
/// The SSH door end to end: a private sshd (UsePAM, publickey then keyboard-interactive) whose PAM stack is
/// pam_nasdash.so as the package build makes it, loaded from the sshd's throwaway root, asking NasDash: the running
/// server's console socket, or, with none, `nasdash console ssh-code` on the store. SSH and web share one ledger.
/// </summary>
[Collection(SshdCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class SshPamNasDashTests : IDisposable
{
    private const string Prompt = "Authenticator code:";
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-pam-test-").FullName;
    private readonly string _data = Directory.CreateTempSubdirectory("nasdash-ssh-data-").FullName;

    internal static void Require() => HostTools.Require(["sshd", "ssh", "ssh-keygen", "unshare", "nsenter", "expect", .. PamModule.Programs]);

    [Fact]
    public async Task ServerRunning_KeyAndCode_SignsIn_WrongCodeAndCodeUsedOnWebRefusedAndCounted()
    {
        Require();
        var program = Path.Combine(_directory, "nasdash");
        using var sshd = TestSshd.StartWithPam(PamModule.Stack(_data, program), "publickey,keyboard-interactive");
        PamModule.InstallInto(sshd.HostPath);
        PamModule.Program(_directory, sshd);
        using var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, dataDirectory: _data);
        var server = await PamModule.StartServerAsync(core);
        try
        {
            core.SetSshTwoFactor(true);
            var admin = core.AddAdministrator(TestSshd.User);

            var signedIn = Login(sshd, await admin.NextCodeAsync(TimeProvider.System), "correct");
            Assert.True(signedIn.ExitCode == 0, signedIn.Output + sshd.Log());
            Assert.Contains(Prompt, signedIn.Output, StringComparison.Ordinal);

            var wrong = Login(sshd, WrongCode(admin.Secret), "wrong");
            Assert.True(wrong.ExitCode == 1, wrong.Output);
            Assert.Equal(1, Stored(core).TotpFailures);

            // A code the web accepted is spent for SSH too: one replay memory.
            var webCode = await admin.NextCodeAsync(TimeProvider.System);
            var signIn = core.Get<SignInService>();
            var password = Assert.IsType<PasswordStepResult.SecondFactorRequired>(await signIn.SubmitPasswordAsync(admin.UserName, admin.Password, "192.0.2.7", TestContext.Current.CancellationToken));
            Assert.IsType<SecondFactorResult.SignedIn>(await signIn.SubmitTotpAsync(password.ChallengeId, webCode, "192.0.2.7", TestContext.Current.CancellationToken));
            var replayed = Login(sshd, webCode, "used on the web");
            Assert.True(replayed.ExitCode == 1, replayed.Output);
            Assert.Equal(1, Stored(core).TotpFailures);

            var audit = core.Audit(AuditNames.LoginTotp.Id).Where(a => a.Detail?.StartsWith(SshCodeCheck.Door, StringComparison.Ordinal) == true).ToList();
            Assert.Equal(["replayed", "failed", "succeeded"], audit.Select(a => a.Outcome));
            Assert.All(audit, a => Assert.Equal("127.0.0.1", a.ClientAddress));
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The bound on SSH guesses: T wrong codes in a row, whichever door they come through, and the account is in Recovery.</summary>
    [Fact]
    public async Task ServerRunning_TWrongSshCodes_RecoveryWebAsksBackupCodesSshShutOffOpenSessionEndsWithin10s()
    {
        Require();
        var program = Path.Combine(_directory, "nasdash");
        using var sshd = TestSshd.StartWithPam(PamModule.Stack(_data, program), "publickey,keyboard-interactive");
        PamModule.InstallInto(sshd.HostPath);
        PamModule.Program(_directory, sshd);
        using var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, dataDirectory: _data, reconcile: true);
        var server = await PamModule.StartServerAsync(core);
        try
        {
            core.SetSshTwoFactor(true);
            var admin = core.AddAdministrator(TestSshd.User);
            var t = core.Get<ISettingsStore>().Get().TwoFactor.TotpFailuresBeforeRecovery;
            using var session = OpenSession(sshd, await admin.NextCodeAsync(TimeProvider.System));

            for (var attempt = 1; attempt <= t; attempt++)
            {
                var wrong = Login(sshd, WrongCode(admin.Secret), $"wrong #{attempt}");
                Assert.True(wrong.ExitCode is 1, wrong.Output);
                Assert.Contains("NasDash: ", wrong.Output, StringComparison.Ordinal);
                var stored = Stored(core);
                var expected = attempt < t ? AccountState.Normal : AccountState.Recovery;
                Assert.True(expected == stored.State && (attempt == t || stored.TotpFailures == attempt),
                    $"after wrong SSH code #{attempt} of {t}: expected {expected} with {attempt} failures, stored {stored.State} with {stored.TotpFailures}; ssh printed: {wrong.Output}\nsshd's log ends: {Tail(sshd.Log())}");
            }

            var shutOff = await core.ShutOffAppliedAsync();
            Assert.True(shutOff.Complete, shutOff.Summary);
            var ended = Stopwatch.StartNew();
            Assert.True(session.WaitForExit(TimeSpan.FromSeconds(10)), "the open SSH session did not end within 10 s");
            TestContext.Current.TestOutputHelper?.WriteLine($"open session ended {ended.ElapsedMilliseconds} ms after the shut-off was applied");
            var password = Assert.IsType<PasswordStepResult.SecondFactorRequired>(
                await core.Get<SignInService>().SubmitPasswordAsync(admin.UserName, admin.Password, "192.0.2.7", TestContext.Current.CancellationToken));
            Assert.Equal(SecondFactorMethod.BackupCodes, password.Method);
            Assert.NotEqual(0, Login(sshd, await admin.NextCodeAsync(TimeProvider.System), "correct, after the lockout").ExitCode);
            Assert.NotNull(core.OpenAlert(AlertKeys.SshDisabled));
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ServerStopped_FallbackToConsoleOnStore_AcceptsRightCodeCountsWrongOne()
    {
        Require();
        var program = Path.Combine(_directory, "nasdash");
        using var sshd = TestSshd.StartWithPam(PamModule.Stack(_data, program), "publickey,keyboard-interactive");
        PamModule.InstallInto(sshd.HostPath);
        PamModule.Program(_directory, sshd);
        var core = new SshCore(sshd.DropInDirectory, sshd.PidFile, dataDirectory: _data);
        core.SetSshTwoFactor(true);
        var admin = core.AddAdministrator(TestSshd.User);
        core.CloseStore();

        var signedIn = Login(sshd, await admin.NextCodeAsync(TimeProvider.System), "correct, no server");
        var wrong = Login(sshd, WrongCode(admin.Secret), "wrong, no server");

        Assert.True(signedIn.ExitCode == 0, signedIn.Output + sshd.Log());
        Assert.True(wrong.ExitCode == 1, wrong.Output);
        using var store = new LiteDbStore(_data, TimeProvider.System);
        Assert.Equal(1, store.FindByName(TestSshd.User)!.TotpFailures);
        Assert.Equal(["failed", "succeeded"], store.Query(new AuditQuery(EventPrefix: AuditNames.LoginTotp.Id)).Where(a => a.Detail?.StartsWith(SshCodeCheck.Door, StringComparison.Ordinal) == true).Select(a => a.Outcome));
    }

    [Fact]
    public void NeitherServerNorProgram_Refused_MessageNamesTheCause()
    {
        Require();
        var pamDirectory = Directory.CreateDirectory(Path.Combine(_directory, "pam.d")).FullName;
        File.WriteAllText(Path.Combine(pamDirectory, "nasdash-test"), PamModule.Stack(_data, "/nonexistent/nasdash"));
        using var root = new TestSupport.ThrowawayRoot(new Dictionary<string, string> { ["/etc/pam.d"] = pamDirectory });
        PamModule.InstallInto(root.HostPath);

        var (exit, output) = Pamtester(root, "nasdash-test", "alice", "123456");

        Assert.NotEqual(0, exit);
        Assert.Contains("Authenticator code:", output, StringComparison.Ordinal);
        Assert.Contains("NasDash cannot check your code: no NasDash server runs and /nonexistent/nasdash cannot be run", output, StringComparison.Ordinal);
    }

    [Fact]
    public void NeitherServerNorProgram_ThroughSshd_TheSshUserReadsTheCause()
    {
        Require();
        using var sshd = TestSshd.StartWithPam(PamModule.Stack(_data, "/nonexistent/nasdash"), "publickey,keyboard-interactive");
        PamModule.InstallInto(sshd.HostPath);

        var (exit, output) = Login(sshd, "123456", "any, nobody can check it");

        Assert.Equal(1, exit);
        Assert.True(output.Contains("NasDash cannot check your code: no NasDash server runs and /nonexistent/nasdash cannot be run", StringComparison.Ordinal),
            $"ssh printed: {output}\nsshd's log ends: {Tail(sshd.Log())}");
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    /// <summary>pamtester in <paramref name="root"/>, the code on its standard input: exit code and everything it printed.</summary>
    internal static (int ExitCode, string Output) Pamtester(TestSupport.ThrowawayRoot root, string service, string user, string code)
    {
        var start = root.Start("/", HostTools.Find("pamtester")!, "-v", service, user, "authenticate");
        start.RedirectStandardInput = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.WriteLine(code);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "pamtester did not finish within 60 s");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static Account Stored(SshCore core) => core.Get<IAccountStore>().FindByName(TestSshd.User)!;

    /// <summary>Six digits right for no step the verifier looks at, the clock-off range (±2 h) included.</summary>
    internal static string WrongCode(byte[] secret)
    {
        var totp = new Totp(secret);
        var now = DateTime.UtcNow;
        var reach = TotpVerifier.SkewSteps + 5;
        var valid = Enumerable.Range(-reach, 2 * reach + 1).Select(step => totp.ComputeTotp(now.AddSeconds(step * TotpVerifier.StepSeconds))).ToHashSet();
        return Enumerable.Range(1, 20).Select(i => ((int.Parse(valid.First(), CultureInfo.InvariantCulture) + 111_111 * i) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture))
            .First(c => !valid.Contains(c));
    }

    private static string Tail(string log) => log.Length <= 3000 ? log : log[^3000..];

    /// <summary>Logs in with the key, answers the code prompt with <paramref name="code"/>: 0 logged in, 1 refused.</summary>
    internal static (int ExitCode, string Output) Login(TestSshd sshd, string code, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = HostTools.Run("expect", [.. LoginArguments(sshd, code, "echo LOGGED-IN", 20)]);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"ssh login answering the code prompt with the {what} code -> {(result.ExitCode == 0 ? "logged in" : $"refused ({result.ExitCode})")} ({stopwatch.ElapsedMilliseconds} ms)");
        return result;
    }

    /// <summary>A signed-in session that stays open (it runs sleep) until something ends it.</summary>
    private static Process OpenSession(TestSshd sshd, string code)
    {
        var start = new ProcessStartInfo(HostTools.Find("expect")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in LoginArguments(sshd, code, "echo LOGGED-IN; exec sleep 600", 620))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var line = process.StandardOutput.ReadLineAsync();
        // The line itself, not one containing it: expect's first line echoes the command ("spawn … echo LOGGED-IN; …"), and
        // returning on it let the session's own right code be accepted after the first wrong one, resetting its count.
        while (line.Wait(TimeSpan.FromSeconds(20)) && line.Result is { } text && text.Trim() != "LOGGED-IN")
        {
            line = process.StandardOutput.ReadLineAsync();
        }

        Assert.True(line.IsCompletedSuccessfully && line.Result is not null, "the session did not sign in");
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    private static List<string> LoginArguments(TestSshd sshd, string code, string command, int timeout)
    {
        var script = Path.Combine(sshd.Directory, "login.exp");
        File.WriteAllText(script, $$"""
            set timeout {{timeout}}
            set code [lindex $argv 0]
            spawn {*}[lrange $argv 1 end]
            expect {
                "{{Prompt}}" { send "$code\r"; exp_continue }
                "LOGGED-IN" { puts "\nLOGGED-IN"; expect eof; exit 0 }
                "Permission denied" { expect eof; exit 1 }
                timeout { exit 3 }
                eof { exit 2 }
            }
            """);
        var arguments = new List<string> { script, code, HostTools.Find("ssh")! };
        // At INFO: ssh prints a keyboard-interactive instruction (how sshd passes on the module's messages) only from INFO up.
        arguments.AddRange(sshd.ClientOptions().Select(option => option == "LogLevel=ERROR" ? "LogLevel=INFO" : option));
        arguments.AddRange(["-o", "PreferredAuthentications=publickey,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1",
            $"{TestSshd.User}@127.0.0.1", command]);
        return arguments;
    }
}
