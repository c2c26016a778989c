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
    /// Takes the account's lock and reads it afresh under it: what was read before waiting may be stale.
    /// Null (and no lock held) when the account does not exist.
    /// </summary>
    public async Task<AccountUnderLock?> LockAsync(IAccountStore accounts, Guid accountId, CancellationToken cancellationToken = default)
    {
        var known = accounts.FindById(accountId);
        if (known is null)
        {
            return null;
        }

        var held = await AcquireAsync(known.NormalizedUserName, cancellationToken).ConfigureAwait(false);
        var account = accounts.FindById(accountId);
        if (account is null)
        {
            held.Dispose();
            return null;
        }

        return new AccountUnderLock(account, held);
    }

    public IDisposable Acquire(string normalizedUserName)
    {
        var gate = Enter(normalizedUserName);
        gate.Semaphore.Wait();
        var releaser = new Releaser(this, normalizedUserName, gate);
        if (fleet is null)
        {
            return releaser;
        }

        try
        {
            releaser.Fleet = fleet.Acquire(normalizedUserName);
            return releaser;
        }
        catch
        {
            releaser.Dispose();
            throw;
        }
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

        /// <summary>The fleet's lock on the same name, taken after this process's own gate and released before it.</summary>
        public IDisposable? Fleet { get; set; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                try
                {
                    Fleet?.Dispose();
                }
                finally
                {
                    gate.Semaphore.Release();
                    owner.Leave(name, gate);
                }
            }
        }
    }
}
