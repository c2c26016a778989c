namespace NasDash.Security.Records;

/// <summary>Several store writes as one transaction: every write of the stores made inside it joins it.</summary>
public interface IStoreTransactions
{
    /// <summary>Runs the synchronous writes as one transaction, committed (and on disk) before it returns.</summary>
    void InTransaction(Action writes);
}
