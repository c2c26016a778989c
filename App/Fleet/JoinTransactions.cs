using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace NasDash.Fleet;

/// <summary>
/// The etcd side of one join: its writes go in transactions small enough for etcd, each of which also moves the join's
/// progress key (joins/&lt;id&gt;) on from the value it is compared on, so a transaction applies at most once.
/// </summary>
internal sealed class JoinTransactions(EtcdClient client, EtcdFleetOptions fleet, long joinId, Action<JoinProgress?>? committed)
{
    public const string JoinsPrefix = "joins/";

    // etcd refuses a Txn of more than 128 operations (--max-txn-ops) and a request of more than 1.5 MiB (--max-request-bytes).
    public const int MaxOperations = 120;
    public const int MaxBytes = 1024 * 1024;

    private readonly string _prefix = fleet.KeyPrefix;

    /// <summary>The id of the join's audit entry, which also names its progress key.</summary>
    public long JoinId => joinId;

    private string ProgressKey => _prefix + JoinsPrefix + joinId.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>How far this join has written, or null when the fleet holds nothing of it.</summary>
    public JoinProgress? Progress()
    {
        var found = EtcdRetry.Run(() => client.Get(new RangeRequest { Key = ByteString.CopyFromUtf8(ProgressKey) }, deadline: Deadline())).Kvs.FirstOrDefault();
        return found is null ? null : JoinProgress.Parse(found.Value.ToStringUtf8());
    }

    public RequestOp Put(string relativeKey, ByteString value) =>
        new() { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_prefix + relativeKey), Value = value } };

    public RequestOp Delete(string relativeKey) =>
        new() { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(_prefix + relativeKey) } };

    /// <summary>Nothing under accounts/ written after <paramref name="revision"/>: no other appliance changed the fleet's administrators.</summary>
    public Compare AccountsUnchangedSince(long revision) => new()
    {
        Key = ByteString.CopyFromUtf8(_prefix + EtcdStore.AccountsPrefix), RangeEnd = FleetWatch.RangeEnd(_prefix + EtcdStore.AccountsPrefix),
        Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Less, ModRevision = revision + 1,
    };

    /// <summary>True when the writes and the progress key fit one transaction.</summary>
    public static bool FitOne(IReadOnlyCollection<RequestOp> writes) => writes.Count + 1 <= MaxOperations && writes.Sum(Size) <= MaxBytes;

    /// <summary>The writes in order, cut into transactions that leave room for the progress key.</summary>
    public static IEnumerable<IReadOnlyList<RequestOp>> Batches(IEnumerable<RequestOp> writes)
    {
        var batch = new List<RequestOp>();
        var bytes = 0;
        foreach (var write in writes)
        {
            if (batch.Count > 0 && (batch.Count + 1 == MaxOperations || bytes + Size(write) > MaxBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.Add(write);
            bytes += Size(write);
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>
    /// Commits <paramref name="writes"/> and moves the progress from <paramref name="from"/> (null: none yet) to
    /// <paramref name="to"/> (null: removed), if the progress is still <paramref name="from"/> and every compare holds.
    /// Returns the revision of the commit, or null when a compare failed and nothing was written.
    /// </summary>
    public long? Commit(IReadOnlyList<RequestOp> writes, JoinProgress? from, JoinProgress? to, params Compare[] compares)
    {
        var request = new TxnRequest();
        request.Compare.Add(ProgressIs(from));
        request.Compare.Add(compares);
        request.Success.Add(writes);
        request.Success.Add(to is null
            ? new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(ProgressKey) } }
            : new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(ProgressKey), Value = ByteString.CopyFromUtf8(to.Text) } });
        var response = EtcdRetry.Run(() => client.Transaction(request, deadline: Deadline()));
        if (!response.Succeeded)
        {
            return null;
        }

        committed?.Invoke(to);
        return response.Header.Revision;
    }

    private Compare ProgressIs(JoinProgress? expected) => expected is null
        ? new Compare
        {
            Key = ByteString.CopyFromUtf8(ProgressKey), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0,
        }
        : new Compare
        {
            Key = ByteString.CopyFromUtf8(ProgressKey), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal,
            Value = ByteString.CopyFromUtf8(expected.Text),
        };

    private static int Size(RequestOp write) => write.RequestPut is { } put ? put.Key.Length + put.Value.Length : write.RequestDeleteRange.Key.Length;

    private DateTime Deadline() => DateTime.UtcNow + fleet.RequestTimeout;
}
