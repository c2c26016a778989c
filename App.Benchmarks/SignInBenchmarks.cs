using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NasDash.Hosting;
using OtpNet;

namespace NasDash.Benchmarks;

/// <summary>
/// The sign-in service as the login page calls it, with the shipped costs (PBKDF2 at OWASP's iterations, the
/// store's durable commit) on a real store file: the whole password step against the password hash alone, and the
/// TOTP and M-backup-code steps, each including the account lock and the commit before the verdict. One
/// invocation per iteration: every second-factor step needs a fresh challenge, and the code step fresh codes.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 25, invocationCount: 1)]
public class SignInBenchmarks
{
    private const string UserName = "alice";
    private const string Password = "heron lantern quarry 42";
    private const string Client = "192.0.2.10";

    private readonly SteppingClock _clock = new(DateTimeOffset.UtcNow);
    private string _directory = "";
    private BenchmarkEtcd? _etcd;

    /// <summary>Where the records are: the appliance's LiteDB file, or a fleet's 3-member etcd cluster on loopback.</summary>
    [Params("litedb", "etcd")]
    public string Store { get; set; } = "litedb";
    private ServiceProvider _services = null!;
    private SignInService _signIn = null!;
    private PasswordHashing _passwords = null!;
    private PendingSignIns _pending = null!;
    private IAccountStore _accounts = null!;
    private BackupCodes _backupCodes = null!;
    private Account _account = null!;
    private Account _toCommit = null!;
    private byte[] _secret = [];
    private string _protectedSecret = "";
    private string _challenge = "";
    private string _totpCode = "";
    private string?[] _backupCodesEntered = [];
    private StoredBackupCodes _heldCodes = new();
    private List<string> _heldCodesEntered = [];

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "nasdash-bench", Guid.NewGuid().ToString("N"));
        // Production, and the shipped work factors (OWASP's): nothing in this configuration lowers them.
        _etcd = Store == "etcd" ? new BenchmarkEtcd(_directory) : null;
        _etcd?.WaitUntilWritable();
        _services = BenchmarkCore.Build(_directory, _clock, _etcd?.Endpoints);

        _signIn = _services.GetRequiredService<SignInService>();
        _passwords = _services.GetRequiredService<PasswordHashing>();
        _pending = _services.GetRequiredService<PendingSignIns>();
        _accounts = _services.GetRequiredService<IAccountStore>();
        _backupCodes = _services.GetRequiredService<BackupCodes>();
        _secret = TotpVerifier.NewSecret();
        _protectedSecret = _services.GetRequiredService<SecretProtector>().Protect(_secret);
        _account = Account.CreateEnrolled(UserName, _passwords.Hash(Password), _clock.GetUtcNow(), _protectedSecret, -1, _backupCodes.Generate(10).Stored);
        var held = _backupCodes.Generate(10);
        _heldCodes = held.Stored;
        _heldCodesEntered = [.. held.Codes.TakeLast(_services.GetRequiredService<ISettingsStore>().Get().TwoFactor.RequiredCodesAtRecovery).Select(c => BackupCodes.Normalize(c)!)];
        if (!_accounts.TryInsert(_account))
        {
            throw new InvalidOperationException("The benchmark account could not be stored.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _etcd?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public PasswordCheck PasswordHashAlone() => _passwords.Verify(_account, Password);

    [Benchmark]
    public async Task<PasswordStepResult> PasswordStep()
    {
        var result = await _signIn.SubmitPasswordAsync(UserName, Password, Client);
        return result as PasswordStepResult.SecondFactorRequired ?? throw new InvalidOperationException($"Password step gave {result}.");
    }

    [IterationSetup(Target = nameof(TotpStep))]
    public void NextTotpChallenge()
    {
        // A later time step each time: the verifier refuses a step already used.
        _clock.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
        _challenge = _pending.IssueChallenge(Stored());
        _totpCode = new Totp(_secret, TotpVerifier.StepSeconds, OtpHashMode.Sha1, TotpVerifier.Digits).ComputeTotp(_clock.GetUtcNow().UtcDateTime);
    }

    [Benchmark]
    public async Task<SecondFactorResult> TotpStep()
    {
        var result = await _signIn.SubmitTotpAsync(_challenge, _totpCode, Client);
        return result as SecondFactorResult.SignedIn ?? throw new InvalidOperationException($"TOTP step gave {result}.");
    }

    [IterationSetup(Target = nameof(BackupCodesStep))]
    public void FreshBackupCodes()
    {
        // A successful recovery revokes the codes and the TOTP secret: give the account a new batch and its secret back.
        var account = Stored();
        var batch = _backupCodes.Generate(10);
        account.Enrolled(_protectedSecret, account.SecondFactor.LastTotpStep, batch.Stored);
        _accounts.Update(account);
        _challenge = _pending.IssueChallenge(account);
        var required = _services.GetRequiredService<ISettingsStore>().Get().TwoFactor.RequiredCodesAtRecovery;
        _backupCodesEntered = [.. batch.Codes.TakeLast(required)];
    }

    [Benchmark]
    public async Task<SecondFactorResult> BackupCodesStep()
    {
        var result = await _signIn.SubmitBackupCodesAsync(_challenge, _backupCodesEntered, Client);
        return result as SecondFactorResult.SignedIn ?? throw new InvalidOperationException($"Backup-code step gave {result}.");
    }

    /// <summary>The M code hashes alone (shipped iterations), what <see cref="BackupCodesStep"/> pays beyond the lock and the commits.</summary>
    [Benchmark]
    public int[]? BackupCodesHashesAlone() => BackupCodes.Match(_heldCodes, _heldCodesEntered) ?? throw new InvalidOperationException("The held codes did not match.");

    [IterationSetup(Target = nameof(AccountCommit))]
    public void ReadAccount() => _toCommit = Stored();

    /// <summary>
    /// The floor under every decision: one account document written and durably committed (LiteDB's fsync'ed
    /// transaction; etcd's Raft commit, fsync'ed by a quorum), with nothing decided.
    /// </summary>
    [Benchmark]
    public void AccountCommit() => _accounts.Update(_toCommit);

    private Account Stored() => _accounts.FindByName(Account.Normalize(UserName)) ?? throw new InvalidOperationException("The benchmark account is gone.");

    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
