using System.Security.Cryptography;
using System.Text;
using LiteDB;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>
/// This appliance's local copy of the fleet's accounts, settings and Data Protection key ring (&lt;data&gt;/fleet-copy.db),
/// kept by <see cref="FleetWatch"/> and read only by `nasdash console fleet leave` and `fleet status`: never for a decision.
/// Each record is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the fleet's key-ring key file, its etcd
/// key as associated data, so the file alone reveals neither hashes nor user names and a record moved to another slot does
/// not open. LiteDB's own password is not used: it is unauthenticated AES with a fixed IV per page.
/// </summary>
public sealed class FleetCopy : IDisposable
{
    public const string FileName = "fleet-copy.db";
    private const string LockFileName = "fleet-copy.lock";
    private const string RecordsCollection = "records";
    private const string MetaCollection = "meta";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private static readonly byte[] KeyInfo = Encoding.UTF8.GetBytes("NasDash fleet-copy v1");

    private readonly DataDirectoryLock _lock;
    private readonly LiteDatabase _db;
    private readonly byte[] _key;

    private FleetCopy(DataDirectoryLock processLock, LiteDatabase db, byte[] key)
    {
        _lock = processLock;
        _db = db;
        _key = key;
    }

    /// <summary>The etcd keys (relative to the prefix) the copy keeps: what `fleet leave` needs to stand alone.</summary>
    public static bool Keeps(string relativeKey) =>
        relativeKey.StartsWith(EtcdStore.AccountsPrefix, StringComparison.Ordinal)
        || relativeKey.StartsWith(EtcdStore.KeyRingPrefix, StringComparison.Ordinal)
        || relativeKey is EtcdStore.SettingsKeyName or EtcdStore.NotificationsKeyName;

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>Opens (or creates) the copy, holding its lock: one process at a time, the server's watch or a console verb.</summary>
    /// <exception cref="FleetCopyBusyException">Another process holds it.</exception>
    public static FleetCopy Open(string dataDirectory, byte[] keyRingKey)
    {
        var processLock = AcquireLock(dataDirectory);
        try
        {
            var file = PathIn(dataDirectory);
            DataDirectory.CreatePrivateFile(Path.Combine(dataDirectory, "fleet-copy-log.db"));
            var db = new LiteDatabase(new ConnectionString { Filename = file, Connection = ConnectionType.Direct });
            if (db.CheckpointSize != 0)
            {
                db.CheckpointSize = 0;
            }

            DataDirectory.RestrictFile(file);
            return new FleetCopy(processLock, db, HKDF.DeriveKey(HashAlgorithmName.SHA256, keyRingKey, 32, [], KeyInfo));
        }
        catch
        {
            processLock.Dispose();
            throw;
        }
    }

    /// <summary>The etcd revision the copy is complete up to (0: never filled).</summary>
    public long Revision => Meta()?["revision"].AsInt64 ?? 0;

    /// <summary>When the copy last took a change.</summary>
    public DateTimeOffset? UpdatedAt => Meta() is { } meta ? new DateTimeOffset(meta["updatedAt"].AsInt64, TimeSpan.Zero) : null;

    /// <summary>The fleet prefix the copy was taken from.</summary>
    public string? Prefix => Meta()?["prefix"].AsString;

    /// <summary>Every record, opened: etcd key relative to the prefix → the value stored there.</summary>
    public IReadOnlyDictionary<string, byte[]> Records()
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var document in _db.GetCollection(RecordsCollection).FindAll())
        {
            var key = document["_id"].AsString;
            records[key] = Unseal(key, document["data"].AsBinary);
        }

        return records;
    }

    /// <summary>Replaces the whole copy with a full read of the fleet at <paramref name="revision"/>, in one commit.</summary>
    public void Replace(IReadOnlyDictionary<string, byte[]> records, long revision, string prefix, DateTimeOffset at) =>
        Commit(revision, prefix, at, collection =>
        {
            collection.DeleteAll();
            foreach (var (key, value) in records)
            {
                collection.Insert(Sealed(key, value));
            }
        });

    /// <summary>Applies the changes of one watch answer (null value: deleted) and moves the revision, in one commit.</summary>
    public void Apply(IReadOnlyList<KeyValuePair<string, byte[]?>> changes, long revision, string prefix, DateTimeOffset at) =>
        Commit(revision, prefix, at, collection =>
        {
            foreach (var (key, value) in changes)
            {
                if (value is null)
                {
                    collection.Delete(key);
                }
                else
                {
                    collection.Upsert(Sealed(key, value));
                }
            }
        });

    public void Dispose()
    {
        _db.Dispose();
        _lock.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }

    private void Commit(long revision, string prefix, DateTimeOffset at, Action<ILiteCollection<BsonDocument>> writes)
    {
        if (!_db.BeginTrans())
        {
            throw new InvalidOperationException("A transaction is already open on the fleet copy.");
        }

        try
        {
            writes(_db.GetCollection(RecordsCollection));
            _db.GetCollection(MetaCollection).Upsert(new BsonDocument
            {
                ["_id"] = "copy", ["revision"] = revision, ["prefix"] = prefix, ["updatedAt"] = at.UtcTicks,
            });
            _db.Commit();
        }
        catch
        {
            _db.Rollback();
            throw;
        }

        // LiteDB does not fsync a commit; its checkpoint does (as in LiteDbStore).
        _db.Checkpoint();
    }

    private BsonDocument? Meta() => _db.GetCollection(MetaCollection).FindById("copy");

    private BsonDocument Sealed(string key, byte[] value)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var sealedValue = new byte[NonceBytes + TagBytes + value.Length];
        using (var aes = new AesGcm(_key, TagBytes))
        {
            aes.Encrypt(nonce, value, sealedValue.AsSpan(NonceBytes + TagBytes), sealedValue.AsSpan(NonceBytes, TagBytes), Encoding.UTF8.GetBytes(key));
        }

        nonce.CopyTo(sealedValue, 0);
        return new BsonDocument { ["_id"] = key, ["data"] = sealedValue };
    }

    private byte[] Unseal(string key, byte[] sealedValue)
    {
        if (sealedValue.Length < NonceBytes + TagBytes)
        {
            throw new StoreRefusedException($"The local fleet copy's record {key} is damaged.");
        }

        var plain = new byte[sealedValue.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedValue.AsSpan(0, NonceBytes), sealedValue.AsSpan(NonceBytes + TagBytes), sealedValue.AsSpan(NonceBytes, TagBytes), plain,
                Encoding.UTF8.GetBytes(key));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new StoreRefusedException("The local fleet copy does not open with this appliance's fleet key-ring key (or it was altered): it cannot be used.", ex);
        }

        return plain;
    }

    private static DataDirectoryLock AcquireLock(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, LockFileName);
        return DataDirectoryLock.TakeFile(path, ex => new FleetCopyBusyException(path, ex));
    }
}

/// <summary>The copy is held by another process: the running server's watch, or another console verb.</summary>
public sealed class FleetCopyBusyException(string lockFile, Exception inner)
    : IOException($"{lockFile} is held by another process: a NasDash server (its fleet watch) or another console command is running.", inner);
