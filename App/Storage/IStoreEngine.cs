namespace NasDash.Storage;

/// <summary>
/// What the host's own features (log lines, metrics, health, retention) ask of whichever engine keeps the records: the
/// appliance's <see cref="LiteDbStore"/>, or the fleet's etcd store. The security core sees only its record interfaces.
/// </summary>
public interface IStoreEngine
{
    /// <summary>Raised after the commit of each audit entry, on the committing thread.</summary>
    event Action<AuditEvent>? Audited;

    /// <summary>Raised after each durable commit with how long the commit took.</summary>
    event Action<TimeSpan>? Committed;

    /// <summary>False from a write the engine refused until one succeeds again.</summary>
    bool TakesWrites { get; }

    /// <summary>True when a durable write succeeds now (it makes one).</summary>
    bool IsWritable();

    /// <summary>Deletes audit entries older than the cut-off; returns how many.</summary>
    int PruneAudit(DateTimeOffset olderThan);
}
