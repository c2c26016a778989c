namespace NasDash.Features.Users;

/// <summary>
/// One change to who is an administrator (create, delete) at a time, across every circuit: two deletions judged
/// side by side could otherwise each leave the other as "the last administrator" and remove both.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim allocates nothing to release unless AvailableWaitHandle is read, which this code never does; a singleton disposed at shutdown would fault a circuit still waiting.")]
public sealed class AdministratorMembership
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Task WaitAsync(CancellationToken cancellationToken) => _gate.WaitAsync(cancellationToken);

    public void Release() => _gate.Release();
}
