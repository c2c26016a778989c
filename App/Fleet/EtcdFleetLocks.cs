using dotnet_etcd;
using Grpc.Core;
using V3Lockpb;

namespace NasDash.Fleet;

/// <summary>
/// etcd's own lock service on "&lt;prefix&gt;locks/&lt;user&gt;", each holding on this appliance's kept-alive lease
/// (<see cref="EtcdApplianceLease"/>). Giving a lock back deletes its key; should that fail, the lease is retired, so the
/// key goes with it within its time to live. Should a decision ever outlast the lease, the store's revision compare
/// refuses its commit instead of letting it overwrite the next holder's.
/// </summary>
public sealed class EtcdFleetLocks(EtcdClient client, EtcdFleetOptions options, FleetReachability reachability) : IFleetLocks, IDisposable
{
    private readonly EtcdApplianceLease _lease = new(client, options);

    public async Task<IFleetLock> AcquireAsync(string normalizedUserName, CancellationToken cancellationToken)
    {
        // Waiting for another appliance's holder is bounded by its lease; then the fleet is not answering.
        var deadline = DateTime.UtcNow + options.RequestTimeout + TimeSpan.FromSeconds(EtcdApplianceLease.TtlSeconds);
        var name = Google.Protobuf.ByteString.CopyFromUtf8(LockName(options.KeyPrefix, normalizedUserName));
        for (var attempt = 1; ; attempt++)
        {
            var lease = 0L;
            try
            {
                lease = await _lease.CurrentAsync(deadline, cancellationToken).ConfigureAwait(false);
                var held = await EtcdRetry.RunRepeatableAsync(() => client.LockAsync(new LockRequest { Name = name, Lease = lease }, deadline: deadline,
                    cancellationToken: cancellationToken), deadline, cancellationToken).ConfigureAwait(false);
                return new Holding(this, lease, held.Key);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound && attempt == 1)
            {
                // The lease ran out unseen (the appliance was cut off longer than its time to live): take a new one.
                _lease.Retire(lease);
            }
            catch (Exception ex) when (EtcdRetry.Unanswered(ex, cancellationToken))
            {
                throw reachability.CannotDecide(ex);
            }
        }
    }

    /// <summary>The name of an account's lock; etcd's lock service keeps each holder and waiter at "&lt;name&gt;/&lt;lease&gt;".</summary>
    public static string LockName(string keyPrefix, string normalizedUserName) => keyPrefix + "locks/" + normalizedUserName;

    /// <summary>
    /// A compare that holds while no appliance holds or awaits the account's lock: every key under "&lt;name&gt;/" was
    /// created at revision 0, which etcd reads as "there is none".
    /// </summary>
    public static Etcdserverpb.Compare Unheld(string keyPrefix, string normalizedUserName)
    {
        var holders = LockName(keyPrefix, normalizedUserName) + "/";
        return new Etcdserverpb.Compare
        {
            Key = Google.Protobuf.ByteString.CopyFromUtf8(holders), RangeEnd = FleetWatch.RangeEnd(holders),
            Target = Etcdserverpb.Compare.Types.CompareTarget.Create, Result = Etcdserverpb.Compare.Types.CompareResult.Equal, CreateRevision = 0,
        };
    }

    public void Dispose() => _lease.Dispose();

    private async Task ReleaseAsync(long lease, Google.Protobuf.ByteString key)
    {
        try
        {
            var deadline = DateTime.UtcNow + options.RequestTimeout;
            await EtcdRetry.RunRepeatableAsync(() => client.UnlockAsync(new UnlockRequest { Key = key }, deadline: deadline), deadline,
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (EtcdRetry.Unanswered(ex))
        {
            _lease.Retire(lease);
        }
    }

    private sealed class Holding(EtcdFleetLocks owner, long lease, Google.Protobuf.ByteString key) : IFleetLock
    {
        private Task? _released;

        public Task ReleaseAsync() => LazyInitializer.EnsureInitialized(ref _released, () => owner.ReleaseAsync(lease, key));
    }
}
