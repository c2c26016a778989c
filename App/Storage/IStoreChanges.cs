namespace NasDash.Storage;

/// <summary>
/// Records changed by another process sharing the store: the other appliances of a fleet, seen through its watch. A
/// change is a nudge to re-read the store (which stays the only source of every decision), never data to act on.
/// </summary>
public interface IStoreChanges
{
    /// <summary>True when other processes write these records (fleet mode); false for the appliance's own LiteDB file.</summary>
    bool Shared { get; }

    /// <summary>Raised on the watch's thread after a change is seen; a handler must return quickly.</summary>
    event Action<StoreChange>? Changed;
}

/// <summary>What changed, as typed as a subscriber needs it.</summary>
public abstract record StoreChange
{
    private StoreChange()
    {
    }

    /// <summary>An account's document (its stamp, lockout state, factors) was written or deleted.</summary>
    public sealed record AccountChanged(Guid AccountId) : StoreChange;

    /// <summary>The Global Two Factor settings changed.</summary>
    public sealed record TwoFactorSettingsChanged : StoreChange;

    /// <summary>The SSH login state (disabled after a lockout event, or enabled again) changed.</summary>
    public sealed record SshStateChanged : StoreChange;

    /// <summary>The appliance-wide lock (a super-lockout with scope Appliance) was set or lifted.</summary>
    public sealed record ApplianceLockChanged : StoreChange;

    /// <summary>An alert was raised, cleared or acknowledged.</summary>
    public sealed record AlertsChanged : StoreChange;
}

/// <summary>The standalone appliance: only this process writes its store, and it signals its own changes directly.</summary>
public sealed class NoStoreChanges : IStoreChanges
{
    public bool Shared => false;

    public event Action<StoreChange>? Changed
    {
        add { }
        remove { }
    }
}
