namespace NasDash.Features.Users;

/// <summary>
/// One change to who is an administrator (create, delete) at a time, across every circuit: two deletions judged
/// side by side could otherwise each leave the other as "the last administrator" and remove both.
/// </summary>
public sealed class AdministratorMembership
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Task WaitAsync(CancellationToken cancellationToken) => _gate.WaitAsync(cancellationToken);

    public void Release() => _gate.Release();
}
