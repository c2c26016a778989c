using BenchmarkDotNet.Attributes;

namespace NasDash.Benchmarks;

/// <summary>
/// TOTP verification, and M-code verification with 5 or 20 codes held: the cost must follow M (hash
/// evaluations), not the number of codes held.
/// </summary>
[MemoryDiagnoser]
public class VerificationBenchmarks
{
    private TotpVerifier _totp = null!;
    private byte[] _secret = [];
    private string _code = "";
    private StoredBackupCodes _stored = new();
    private List<string> _entered = [];

    [Params(5, 20)]
    public int CodesHeld { get; set; }

    [Params(2)]
    public int RequiredCodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A clock that stands still, so the code computed here stays valid for the whole run.
        var clock = new FixedClock(DateTimeOffset.UtcNow);
        _totp = new TotpVerifier(clock);
        _secret = TotpVerifier.NewSecret();
        _code = _totp.Current(_secret);
        var batch = new BackupCodes(clock).Generate(CodesHeld);
        _stored = batch.Stored;
        // The last codes of the batch: a linear search would pay most for these.
        _entered = batch.Codes.TakeLast(RequiredCodes).Select(c => BackupCodes.Normalize(c)!).ToList();
    }

    [Benchmark]
    public TotpCheck VerifyTotp() => _totp.Verify(_secret, _code, -1, 1);

    [Benchmark]
    public int[]? VerifyBackupCodes() => BackupCodes.Match(_stored, _entered);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
