namespace NasDash.Security.Ledger;

/// <summary>
/// The first try of a decision on a fleet, made without the fleet's lock (<see cref="AccountLocks.DecideAsync{T}"/>):
/// the account names it did not lock, which the store's commit must find neither held nor awaited by any appliance, and
/// whether that commit was refused. Ambient, so the store sees it under the synchronous calls the decision makes.
/// </summary>
public sealed class UnlockedAttempt
{
    private static readonly AsyncLocal<UnlockedAttempt?> Ambient = new();
    private readonly List<string> _names = [];
    private volatile bool _lost;
    private volatile bool _committed;

    /// <summary>The attempt of the decision running on this flow; null outside one, and in the retry under the fleet's lock.</summary>
    public static UnlockedAttempt? Current => Ambient.Value;

    /// <summary>The account names (normalized) whose fleet lock this attempt skipped.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_names)
            {
                return [.. _names];
            }
        }
    }

    /// <summary>Set by the store when it refused this attempt's commit: the decision runs again under the fleet's lock.</summary>
    public bool Lost => _lost;

    /// <summary>
    /// Neither refused nor committed yet. Only then does a commit carry the skipped locks' condition: what the decision
    /// writes after its commit (an alert, say) must not send an already recorded decision round again.
    /// </summary>
    public bool Deciding => !_lost && !_committed;

    public void MarkLost() => _lost = true;

    public void MarkCommitted() => _committed = true;

    internal static void Begin(UnlockedAttempt? attempt) => Ambient.Value = attempt;

    internal void Skipped(string normalizedUserName)
    {
        lock (_names)
        {
            _names.Add(normalizedUserName);
        }
    }
}
