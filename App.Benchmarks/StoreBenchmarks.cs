using BenchmarkDotNet.Attributes;
using LiteDB;
using NasDash.Storage;

namespace NasDash.Benchmarks;

/// <summary>
/// The cost of durability: the store's account update (transaction + checkpoint, which fsyncs the data file)
/// against the same transaction on a plain LiteDB file that is left to LiteDB's own, occasional checkpoint.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes both stores.")]
public class StoreBenchmarks
{
    private string _directory = "";
    private LiteDbStore _store = null!;
    private LiteDatabase _plain = null!;
    private Account _account = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "nasdash-bench", Guid.NewGuid().ToString("N"));
        _store = new LiteDbStore(Path.Combine(_directory, "store"), TimeProvider.System);
        _account = Account.CreateEnrolled("alice", new string('h', 84), DateTimeOffset.UtcNow, "protected", -1, new BackupCodes(TimeProvider.System, 1).Generate(10).Stored);
        _store.TryInsert(_account);

        // The store's own mapper, so both write the same documents.
        _plain = new LiteDatabase(new ConnectionString { Filename = Path.Combine(_directory, "plain.db"), Connection = ConnectionType.Direct }, LiteDbStore.CreateMapper());
        _plain.GetCollection<Account>("users").Insert(_account);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _plain.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public void UpdateWithCheckpoint()
    {
        _account.PasswordFailed(DateTimeOffset.UtcNow);
        _store.Update(_account, Entry());
    }

    [Benchmark]
    public void UpdateWithoutCheckpoint()
    {
        _account.PasswordFailed(DateTimeOffset.UtcNow);
        _plain.BeginTrans();
        _plain.GetCollection<Account>("users").Update(_account);
        _plain.GetCollection<AuditEvent>("audit").Insert(Entry());
        _plain.Commit();
    }

    private AuditEvent Entry() => new()
    {
        At = DateTimeOffset.UtcNow,
        UserName = "alice",
        Event = "login.password",
        Outcome = "failed",
        Detail = $"failures={_account.PasswordFailures}",
    };
}
