namespace NasDash.Security.Ledger;

/// <summary>
/// Serialises the decisions about one account across the appliances of a fleet, as <see cref="AccountLocks"/> does
/// inside one process. A standalone appliance has none. The store still compares each account on the revision it was
/// read at, so a lock lost mid-decision (its holder cut off) makes that decision's commit fail instead of overwrite.
/// </summary>
public interface IFleetLocks
{
    Task<IFleetLock> AcquireAsync(string normalizedUserName, CancellationToken cancellationToken);
}

/// <summary>One holding of a fleet lock.</summary>
public interface IFleetLock
{
    /// <summary>
    /// Gives the lock back; completes once another holder may take it. Never throws: a holding that cannot be given
    /// back runs out with the lease it hangs on.
    /// </summary>
    Task ReleaseAsync();
}
