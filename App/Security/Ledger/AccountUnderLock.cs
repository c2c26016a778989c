namespace NasDash.Security.Ledger;

/// <summary>An account read while its lock is held; disposing releases the lock.</summary>
public sealed class AccountUnderLock(Account account, IDisposable held) : IDisposable
{
    public Account Account { get; } = account;

    public void Dispose() => held.Dispose();
}
