namespace NasDash.Security.Records;

/// <summary>Accounts, durable on return: every write here is committed and flushed to disk before it returns.</summary>
public interface IAccountStore
{
    Account? FindByName(string userName);
    Account? FindById(Guid id);
    IReadOnlyList<Account> All();
    /// <summary>False when the (case-insensitive) user name is taken. An account carrying facts goes through <see cref="SecurityLedger"/>.</summary>
    bool TryInsert(Account account);
    /// <summary>Saves the account and the audit entries in one transaction. An account carrying facts goes through <see cref="SecurityLedger"/>.</summary>
    void Update(Account account, params AuditEvent[] audit);
    bool Delete(Guid id);
}
