namespace NasDash.Security.Ledger;

/// <summary>
/// Serialises every decision about one account (read, judge, commit) so two concurrent
/// submissions can never be judged against the same counter or consume the same code.
/// </summary>
public sealed class AccountLocks(IFleetLocks? fleet = null)
{
    // A name's gate lives only while someone holds or awaits it: unknown user names also pass through here,
    // and keeping a gate for every name ever typed would grow without bound.
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string normalizedUserName, CancellationToken cancellationToken = default)
    {
        var gate = Enter(normalizedUserName);
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(normalizedUserName, gate);
            throw;
        }

        var releaser = new Releaser(this, normalizedUserName, gate);
        if (fleet is null)
        {
            return releaser;
        }

        if (UnlockedAttempt.Current is { Deciding: true } unlocked)
        {
            unlocked.Skipped(normalizedUserName);
            return releaser;
        }

        try
        {
            releaser.Fleet = await fleet.AcquireAsync(normalizedUserName, cancellationToken).ConfigureAwait(false);
            return releaser;
        }
        catch
        {
            releaser.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs one decision about an account. On a fleet it is first tried without the fleet's lock: its commit compares
    /// the account on the revision it was read at and requires that no appliance holds or awaits the account's fleet
    /// lock, so a decision nobody contends costs one quorum commit instead of three (take, decide, give back). Should
    /// that commit be refused (another appliance decided first, or is deciding now), the decision runs once more from
    /// fresh reads under the fleet's lock, where nobody can overtake it. So <paramref name="decision"/> must leave no
    /// trace but its store writes before its commit succeeds. A standalone appliance runs it once, under its own lock.
    /// </summary>
    public async Task<T> DecideAsync<T>(Func<Task<T>> decision)
    {
        if (fleet is null)
        {
            return await decision().ConfigureAwait(false);
        }

        var attempt = new UnlockedAttempt();
        UnlockedAttempt.Begin(attempt);
        try
        {
            return await decision().ConfigureAwait(false);
        }
        catch (Exception) when (attempt.Lost)
        {
            // Refused before anything was written: decided again below, under the fleet's lock.
        }
        finally
        {
            UnlockedAttempt.Begin(null);
        }

        return await decision().ConfigureAwait(false);
    }

    /// <summary>
    /// Takes the account's lock and reads it afresh under it: what was read before waiting may be stale.
    /// Null (and no lock held) when the account does not exist.
    /// </summary>
    public async Task<AccountUnderLock?> LockAsync(IAccountStore accounts, Guid accountId, CancellationToken cancellationToken = default) =>
        accounts.FindById(accountId) is { } known
            ? await LockAsync(accounts, accountId, known.NormalizedUserName, cancellationToken).ConfigureAwait(false)
            : null;

    /// <summary>
    /// As <see cref="LockAsync(IAccountStore, Guid, CancellationToken)"/>, for a caller that already knows the account's
    /// user name (which never changes): one read fewer, which a fleet's decision pays for in a round trip.
    /// </summary>
    public async Task<AccountUnderLock?> LockAsync(IAccountStore accounts, Guid accountId, string normalizedUserName, CancellationToken cancellationToken = default)
    {
        var held = await AcquireAsync(normalizedUserName, cancellationToken).ConfigureAwait(false);
        var account = accounts.FindById(accountId);
        if (account is null || account.NormalizedUserName != normalizedUserName)
        {
            held.Dispose();
            return null;
        }

        return new AccountUnderLock(account, held);
    }

    /// <summary>Names held or awaited right now.</summary>
    internal int Count
    {
        get
        {
            lock (_gates)
            {
                return _gates.Count;
            }
        }
    }

    private Gate Enter(string name)
    {
        lock (_gates)
        {
            if (!_gates.TryGetValue(name, out var gate))
            {
                gate = new Gate();
                _gates.Add(name, gate);
            }

            gate.Users++;
            return gate;
        }
    }

    private void Leave(string name, Gate gate)
    {
        lock (_gates)
        {
            if (--gate.Users == 0)
            {
                _gates.Remove(name);
            }
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        /// <summary>Holder and waiters; guarded by the owner's dictionary lock.</summary>
        public int Users { get; set; }
    }

    private sealed class Releaser(AccountLocks owner, string name, Gate gate) : IDisposable
    {
        private int _released;

        /// <summary>The fleet's lock on the same name, taken after this process's own gate and given back before it.</summary>
        public IFleetLock? Fleet { get; set; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            if (Fleet is null)
            {
                Open();
                return;
            }

            // The verdict does not wait for the fleet's lock to be given back, but this process's next holder must:
            // etcd lets a lease enter a lock it already holds, and every lock of this appliance hangs on one lease.
            _ = Fleet.ReleaseAsync().ContinueWith(_ => Open(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void Open()
        {
            gate.Semaphore.Release();
            owner.Leave(name, gate);
        }
    }
}
