using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NasDash.Features.Ssh;
using NasDash.Hosting;

namespace NasDash.Benchmarks;

/// <summary>
/// Issue 23 item 2: the time from a super-locking backup-code submission to its verdict, with 2FA for SSH on and an
/// sshd that is slow to reload (a process titled sshd that listens but ignores SIGHUP, so the reload waits its whole
/// timeout). <see cref="ShutOffInsideTheVerdict"/> is the old road (the sign-in applied the shut-off before answering);
/// <see cref="VerdictNow"/> is today's, where the lockout's commit records SSH off and the reconciler applies it later.
/// Needs root (signals) and /usr/bin/python3.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 7, invocationCount: 1)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class VerdictLatencyBenchmarks
{
    private string _work = "";
    private Process? _sshd;
    private ServiceProvider _services = null!;
    private string _challenge = "";
    private IReadOnlyList<string?> _wrong = [];

    [GlobalSetup]
    public void Setup()
    {
        _work = Directory.CreateTempSubdirectory("nasdash-verdict-bench-").FullName;
        var pidFile = Path.Combine(_work, "sshd.pid");
        // A listener that looks like sshd to NasDash and never finishes a reload.
        var start = new ProcessStartInfo("bash") { RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec -a /usr/sbin/sshd /usr/bin/python3 -c \"import os,signal,socket,time; signal.signal(signal.SIGHUP, signal.SIG_IGN); s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); open('{pidFile}','w').write(str(os.getpid())); time.sleep(3600)\"");
        _sshd = Process.Start(start)!;
        for (var i = 0; i < 100 && !File.Exists(pidFile); i++)
        {
            Thread.Sleep(50);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = Directory.CreateDirectory(Path.Combine(_work, "data")).FullName,
            ["NasDash:HostName"] = "nas-bench",
            ["NasDash:PasswordIterations"] = "1000",
            ["NasDash:BackupCodeIterations"] = "10",
            ["NasDash:Ssh:DropInDirectory"] = Directory.CreateDirectory(Path.Combine(_work, "sshd_config.d")).FullName,
            ["NasDash:Ssh:PidFile"] = pidFile,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddNasDashCore(configuration, new ProductionEnvironment(_work));
        services.AddSsh();
        _services = services.BuildServiceProvider();
        var settings = _services.GetRequiredService<ISettingsStore>();
        var current = settings.Get();
        current.TwoFactor = current.TwoFactor with { SshTwoFactor = true, MaxFailedBackupSubmissions = 1 };
        current.SetupCompleted = true;
        settings.Save(current);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _sshd?.Kill();
        _sshd?.WaitForExit();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>A fresh account at its last allowed submission, SSH enabled again, a challenge ready.</summary>
    [IterationSetup]
    public void OneSubmissionFromSuperLockout()
    {
        var accounts = _services.GetRequiredService<IAccountStore>();
        var name = $"admin{Guid.NewGuid():N}"[..20];
        var hashing = _services.GetRequiredService<PasswordHashing>();
        var codes = _services.GetRequiredService<BackupCodes>();
        var secret = _services.GetRequiredService<SecretProtector>().Protect(TotpVerifier.NewSecret());
        var account = Account.CreateEnrolled(name, hashing.Hash("correct horse battery"), DateTimeOffset.UtcNow, secret, -1, codes.Generate(10).Stored);
        account.TakeFacts();
        accounts.TryInsert(account);
        _services.GetRequiredService<ISettingsStore>().Update(s => s.Ssh = new SshState());
        File.Delete(_services.GetRequiredService<SshDaemon>().DropInPath);
        var signIn = _services.GetRequiredService<SignInService>();
        var password = signIn.SubmitPasswordAsync(name, "correct horse battery", "192.0.2.1").GetAwaiter().GetResult();
        _challenge = ((PasswordStepResult.SecondFactorRequired)password).ChallengeId;
        _wrong = [.. codes.Generate(2).Codes];
    }

    /// <summary>The old road: the shut-off (drop-in, sshd reload, sessions) ran before the verdict was returned.</summary>
    [Benchmark(Baseline = true)]
    public SecondFactorResult ShutOffInsideTheVerdict()
    {
        var verdict = _services.GetRequiredService<SignInService>().SubmitBackupCodesAsync(_challenge, _wrong, "192.0.2.1").GetAwaiter().GetResult();
        _services.GetRequiredService<SshLogin>().ApplyPendingShutOffs();
        return verdict;
    }

    /// <summary>Today's road: the verdict after one commit; the reconciler applies the shut-off afterwards.</summary>
    [Benchmark]
    public SecondFactorResult VerdictNow()
    {
        var verdict = _services.GetRequiredService<SignInService>().SubmitBackupCodesAsync(_challenge, _wrong, "192.0.2.1").GetAwaiter().GetResult();
        // Outside the measured verdict in real life (the reconciler's thread); done here so the next iteration starts clean.
        return verdict;
    }

    [IterationCleanup]
    public void ApplyLeftovers() => _services.GetRequiredService<SshLogin>().ApplyPendingShutOffs();
}
