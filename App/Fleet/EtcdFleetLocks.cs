using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using V3Lockpb;

namespace NasDash.Fleet;

/// <summary>
/// etcd's own lock service on "&lt;prefix&gt;locks/&lt;user&gt;", one lease per holding. The lease outlives any decision
/// (<see cref="LeaseSeconds"/>); releasing revokes it, which deletes the lock key. An appliance that dies holding a lock
/// frees it when the lease runs out, and should a decision ever outlast its lease, the store's revision compare refuses
/// its commit instead of letting it overwrite the next holder's.
/// </summary>
public sealed class EtcdFleetLocks(EtcdClient client, EtcdFleetOptions options, FleetReachability reachability) : IFleetLocks
{
    public const int LeaseSeconds = 15;

    public async Task<IDisposable> AcquireAsync(string normalizedUserName, CancellationToken cancellationToken)
    {
        // Waiting for another appliance's holder is bounded by its lease; then the fleet is not answering.
        var deadline = DateTime.UtcNow + options.RequestTimeout + TimeSpan.FromSeconds(LeaseSeconds);
        long lease = 0;
        try
        {
            lease = (await client.LeaseGrantAsync(new LeaseGrantRequest { TTL = LeaseSeconds }, deadline: deadline, cancellationToken: cancellationToken)).ID;
            var held = await client.LockAsync(new LockRequest { Name = Name(normalizedUserName), Lease = lease }, deadline: deadline,
                cancellationToken: cancellationToken);
            return new Holding(this, lease, held.Key);
        }
        catch (RpcException ex)
        {
            Revoke(lease);
            throw reachability.CannotDecide(ex);
        }
        catch (OperationCanceledException)
        {
            Revoke(lease);
            throw;
        }
    }

    public IDisposable Acquire(string normalizedUserName)
    {
        var deadline = DateTime.UtcNow + options.RequestTimeout + TimeSpan.FromSeconds(LeaseSeconds);
        long lease = 0;
        try
        {
            lease = client.LeaseGrant(new LeaseGrantRequest { TTL = LeaseSeconds }, deadline: deadline).ID;
            var held = client.Lock(new LockRequest { Name = Name(normalizedUserName), Lease = lease }, deadline: deadline);
            return new Holding(this, lease, held.Key);
        }
        catch (RpcException ex)
        {
            Revoke(lease);
            throw reachability.CannotDecide(ex);
        }
    }

    private ByteString Name(string normalizedUserName) => ByteString.CopyFromUtf8(options.KeyPrefix + "locks/" + normalizedUserName);

    // Best effort: a lease that could not be revoked runs out by itself.
    private void Revoke(long lease)
    {
        if (lease == 0)
        {
            return;
        }

        try
        {
            client.LeaseRevoke(new LeaseRevokeRequest { ID = lease }, deadline: DateTime.UtcNow + options.RequestTimeout);
        }
        catch (RpcException)
        {
        }
    }

    private sealed class Holding(EtcdFleetLocks owner, long lease, ByteString key) : IDisposable
    {
        private int _released;

        public ByteString Key { get; } = key;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Revoke(lease);
            }
        }
    }
}
