using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using NasDash.Hosting;
using OtpNet;

namespace NasDash.Benchmarks;

/// <summary>
/// Issue 26: the owner's whole sign-in (password at the shipped PBKDF2 cost, then TOTP with its durable commit) while
/// idle and while one address floods the API with wrong tokens, 1,000 at a time, on another thread. The figure to
/// read is the ratio of the medians (it must stay under 2×), and the flood's own count of 401s and 429s, printed at
/// the end. <see cref="WrongToken"/> is what one wrong token costs the server.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 30, invocationCount: 1)]
public class ApiTokenFloodBenchmarks
{
    private const string UserName = "alice";
    private const string Password = "heron lantern quarry 42";
    private const string FloodAddress = "198.51.100.66";

    private readonly SteppingClock _clock = new(DateTimeOffset.UtcNow);
    private string _directory = "";
    private ServiceProvider _services = null!;
    private SignInService _signIn = null!;
    private ApiTokens _tokens = null!;
    private byte[] _secret = [];
    private string _totpCode = "";
    private volatile bool _stop;
    private Task _flood = Task.CompletedTask;
    private long _refused;
    private long _throttled;
    private long _firstThousandThrottled = -1;

    [Params(false, true)]
    public bool Flood { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "nasdash-bench", Guid.NewGuid().ToString("N"));
        // Production, and the shipped work factors (OWASP's): nothing in this configuration lowers them.
        _services = BenchmarkCore.Build(_directory, _clock);
        _signIn = _services.GetRequiredService<SignInService>();
        _tokens = _services.GetRequiredService<ApiTokens>();
        var passwords = _services.GetRequiredService<PasswordHashing>();
        _secret = TotpVerifier.NewSecret();
        var account = Account.CreateEnrolled(UserName, passwords.Hash(Password), _clock.GetUtcNow(),
            _services.GetRequiredService<SecretProtector>().Protect(_secret), -1, _services.GetRequiredService<BackupCodes>().Generate(10).Stored);
        if (!_services.GetRequiredService<IAccountStore>().TryInsert(account))
        {
            throw new InvalidOperationException("The benchmark account could not be stored.");
        }

        if (Flood)
        {
            _flood = Task.Factory.StartNew(FloodLoop, TaskCreationOptions.LongRunning);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _flood.Wait();
        if (Flood)
        {
            Console.WriteLine($"// flood from one address: {_refused + _throttled} wrong tokens, {_refused} answered 401 (evaluated), " +
                $"{_throttled} answered 429 (throttled); of the first 1,000, {_firstThousandThrottled} throttled");
        }

        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [IterationSetup(Target = nameof(OwnerSignIn))]
    public void NextStep()
    {
        _clock.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
        _totpCode = new Totp(_secret, TotpVerifier.StepSeconds, OtpHashMode.Sha1, TotpVerifier.Digits).ComputeTotp(_clock.GetUtcNow().UtcDateTime);
    }

    [Benchmark]
    public async Task<SecondFactorResult> OwnerSignIn()
    {
        var password = await _signIn.SubmitPasswordAsync(UserName, Password, "192.0.2.10");
        var challenge = (password as PasswordStepResult.SecondFactorRequired ?? throw new InvalidOperationException($"Password step gave {password}.")).ChallengeId;
        var result = await _signIn.SubmitTotpAsync(challenge, _totpCode, "192.0.2.10");
        return result as SecondFactorResult.SignedIn ?? throw new InvalidOperationException($"TOTP step gave {result}.");
    }

    [Benchmark]
    public ApiTokenCheck WrongToken() => _tokens.Check("Bearer " + ApiTokens.NewTokenText(), "203.0.113.5");

    private void FloodLoop()
    {
        while (!_stop)
        {
            for (var i = 0; i < 1_000; i++)
            {
                if (_tokens.Check("Bearer " + ApiTokens.NewTokenText(), FloodAddress) is ApiTokenCheck.Throttled)
                {
                    _throttled++;
                }
                else
                {
                    _refused++;
                }
            }

            if (_firstThousandThrottled < 0)
            {
                _firstThousandThrottled = _throttled;
            }
        }
    }

    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class ProductionEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;
        public string ApplicationName { get; set; } = "NasDash";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
