using Etcdserverpb;
using Google.Protobuf;

namespace NasDash.Fleet;

public sealed partial class EtcdStore
{
    /// <summary>The writes of one <see cref="InTransaction"/> and the revisions they rest on; committed as one etcd Txn.</summary>
    private sealed class Transaction
    {
        /// <summary>Expected revision meaning "the key must exist" (an account not read through this store).</summary>
        public const long MustExist = -1;
        /// <summary>Expected revision meaning "the key must not exist yet" (an insert).</summary>
        public const long MustNotExist = 0;

        // Insertion-ordered, one operation per key: etcd refuses a Txn that writes a key twice.
        private readonly Dictionary<string, ByteString?> _writes = new(StringComparer.Ordinal);
        private readonly List<string> _order = [];
        private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _trackedRevisions = new(StringComparer.Ordinal);
        private readonly List<object> _documents = [];
        private readonly List<Action> _afterCommit = [];

        public bool IsEmpty => _writes.Count == 0;

        /// <summary>The documents (accounts, notices) written, whose revision this store tracks.</summary>
        public IEnumerable<object> Documents => _documents;

        /// <summary>The documents written with the revision the caller's decision rests on.</summary>
        public IEnumerable<KeyValuePair<string, long>> TrackedRevisions => _trackedRevisions;

        public void Put(string key, ByteString value, long? expectedRevision = null)
        {
            if (expectedRevision is { } expected)
            {
                _seen.TryAdd(key, expected);
            }

            Write(key, value);
        }

        /// <summary>Writes a document whose revision the caller read it at (null: a new one) decides whether it may be written.</summary>
        public void PutTracked(string key, ByteString value, object document, long? expectedRevision)
        {
            _trackedRevisions.TryAdd(key, expectedRevision ?? MustNotExist);
            _documents.Add(document);
            Write(key, value);
        }

        public void Delete(string key) => Write(key, null);

        public void AfterCommit(Action signal) => _afterCommit.Add(signal);

        /// <summary>Records the revision a read saw (0: absent); the first read of a key counts.</summary>
        public void Saw(string key, long modRevision) => _seen.TryAdd(key, modRevision);

        public bool Written(string key, out ByteString? value) => _writes.TryGetValue(key, out value);

        public IEnumerable<KeyValuePair<string, ByteString?>> WrittenUnder(string prefix) =>
            _writes.Where(w => w.Key.StartsWith(prefix, StringComparison.Ordinal));

        /// <param name="alsoCompare">Further conditions of the commit (the fleet locks an unlocked attempt skipped).</param>
        public TxnRequest Request(IEnumerable<Compare> alsoCompare)
        {
            var request = new TxnRequest();
            request.Compare.Add(alsoCompare);
            foreach (var (key, revision) in _seen.Where(s => !_trackedRevisions.ContainsKey(s.Key)).Concat(_trackedRevisions))
            {
                request.Compare.Add(CompareOn(key, revision));
            }

            foreach (var key in _order)
            {
                request.Success.Add(_writes[key] is { } value
                    ? new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = value } }
                    : new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) } });
            }

            return request;
        }

        public void RunAfterCommit()
        {
            foreach (var signal in _afterCommit)
            {
                try
                {
                    signal();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A subscriber's failure must not turn a committed write into an error for its caller.
                    System.Diagnostics.Trace.TraceError($"NasDash fleet store subscriber failed: {ex}");
                }
            }
        }

        private void Write(string key, ByteString? value)
        {
            if (!_writes.ContainsKey(key))
            {
                _order.Add(key);
            }

            _writes[key] = value;
        }

        private static Compare CompareOn(string key, long revision) => revision switch
        {
            MustExist => new Compare
            {
                Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Version,
                Result = Compare.Types.CompareResult.Greater, Version = 0,
            },
            _ => new Compare
            {
                Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Mod,
                Result = Compare.Types.CompareResult.Equal, ModRevision = revision,
            },
        };
    }
}
