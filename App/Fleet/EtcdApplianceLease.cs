using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core;

namespace NasDash.Fleet;

/// <summary>
/// This appliance's own etcd lease, granted once and kept alive while it runs; every fleet lock it holds hangs on it, as
/// etcd's own client does it (a concurrency session). Taking a lock is then one request instead of three, and an
/// appliance that dies or is cut off frees its locks when the lease runs out, within <see cref="TtlSeconds"/>.
/// </summary>
public sealed class EtcdApplianceLease(EtcdClient client, EtcdFleetOptions options) : IDisposable
{
    public const int TtlSeconds = 15;

    // A lease is handed out only while this much of it is surely left, so a decision never starts on a lease about to run out.
    private static readonly TimeSpan MinimumLeft = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(TtlSeconds / 3.0);

    private readonly SemaphoreSlim _granting = new(1, 1);
    private readonly CancellationTokenSource _stopped = new();
    private long _id;
    // Environment.TickCount64 (monotonic) until which the lease is surely alive, less MinimumLeft.
    private long _usableUntil;

    /// <summary>The lease to hang a lock on: the current one, or a new one when there is none or it may have run out.</summary>
    public async Task<long> CurrentAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        if (Usable() is { } id)
        {
            return id;
        }

        await _granting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Usable() is { } again)
            {
                return again;
            }

            Retire(Volatile.Read(ref _id));
            var asked = Environment.TickCount64;
            // A grant repeated after a lost leader at worst leaves an unused lease, which runs out by itself.
            var granted = await EtcdRetry.RunRepeatableAsync(() => client.LeaseGrantAsync(new LeaseGrantRequest { TTL = TtlSeconds }, deadline: deadline,
                cancellationToken: cancellationToken), deadline, cancellationToken).ConfigureAwait(false);
            Confirmed(asked, granted.TTL);
            Volatile.Write(ref _id, granted.ID);
            _ = KeepAliveAsync(granted.ID);
            return granted.ID;
        }
        finally
        {
            _granting.Release();
        }
    }

    /// <summary>
    /// Stops keeping <paramref name="lease"/> alive and revokes it (best effort; it runs out by itself otherwise), which
    /// frees every lock on it; the next <see cref="CurrentAsync"/> grants a new one.
    /// </summary>
    public void Retire(long lease)
    {
        if (lease == 0 || Interlocked.CompareExchange(ref _id, 0, lease) != lease)
        {
            return;
        }

        _ = RevokeAsync(lease);
    }

    public void Dispose()
    {
        Retire(Volatile.Read(ref _id));
        _stopped.Cancel();
        _stopped.Dispose();
        _granting.Dispose();
    }

    private long? Usable()
    {
        var id = Volatile.Read(ref _id);
        return id != 0 && Environment.TickCount64 < Volatile.Read(ref _usableUntil) ? id : null;
    }

    private void Confirmed(long askedAt, long ttlSeconds) =>
        Volatile.Write(ref _usableUntil, askedAt + (long)(TimeSpan.FromSeconds(ttlSeconds) - MinimumLeft).TotalMilliseconds);

    private async Task KeepAliveAsync(long lease)
    {
        try
        {
            while (Volatile.Read(ref _id) == lease)
            {
                await Task.Delay(KeepAliveEvery, _stopped.Token).ConfigureAwait(false);
                var asked = Environment.TickCount64;
                long ttl = -1;
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token);
                    timeout.CancelAfter(options.RequestTimeout);
                    await client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = lease }, response => ttl = response.TTL, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RpcException or OperationCanceledException && !_stopped.IsCancellationRequested)
                {
                    // Not answered this time; the lease stays usable until its last confirmation says otherwise.
                    continue;
                }

                if (ttl <= 0)
                {
                    // etcd no longer knows it: it ran out while this appliance was cut off.
                    Retire(lease);
                    return;
                }

                Confirmed(asked, ttl);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task RevokeAsync(long lease)
    {
        try
        {
            await client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: DateTime.UtcNow + options.RequestTimeout).ConfigureAwait(false);
        }
        catch (RpcException)
        {
        }
    }
}
