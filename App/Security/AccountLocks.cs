using System.Collections.Concurrent;

namespace NasDash.Security;

/// <summary>
/// Serialises every decision about one account (read, judge, commit) so two concurrent
/// submissions can never be judged against the same counter or consume the same code.
/// </summary>
public sealed class AccountLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string normalizedUserName, CancellationToken cancellationToken = default)
    {
        var gate = _locks.GetOrAdd(normalizedUserName, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(gate);
    }

    public IDisposable Acquire(string normalizedUserName)
    {
        var gate = _locks.GetOrAdd(normalizedUserName, _ => new SemaphoreSlim(1, 1));
        gate.Wait();
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
