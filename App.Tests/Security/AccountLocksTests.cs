
namespace NasDash.Tests.Security;

public class AccountLocksTests
{
    [Fact]
    public async Task AcquireAsync_SameNameHeld_SecondWaitsForRelease()
    {
        var locks = new AccountLocks();
        var first = await locks.AcquireAsync("alice", TestContext.Current.CancellationToken);

        var second = locks.AcquireAsync("alice", TestContext.Current.CancellationToken);
        // Nothing but the release can complete it: checked before and after that one signal, no sleep in between.
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Dispose();
    }

    [Fact]
    public async Task AcquireAsync_OtherNameHeld_DoesNotWait()
    {
        var locks = new AccountLocks();
        using var alice = await locks.AcquireAsync("alice", TestContext.Current.CancellationToken);

        var bob = locks.AcquireAsync("bob", TestContext.Current.CancellationToken);

        Assert.True(bob.IsCompletedSuccessfully);
        (await bob).Dispose();
    }

    [Fact]
    public async Task AcquireAsync_WaiterCancelled_NameStillLocksAfterwards()
    {
        var locks = new AccountLocks();
        var held = await locks.AcquireAsync("alice", TestContext.Current.CancellationToken);
        using var cancel = new CancellationTokenSource();

        var waiting = locks.AcquireAsync("alice", cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        held.Dispose();

        using var again = await locks.AcquireAsync("alice", TestContext.Current.CancellationToken);
        var blocked = locks.AcquireAsync("alice", TestContext.Current.CancellationToken);
        Assert.False(blocked.IsCompleted);
        again.Dispose();
        (await blocked).Dispose();
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task AcquireAsync_TenThousandNamesUsedOnce_KeepsNoGateBehind()
    {
        // Unknown user names reach the lock too: a gate kept per name ever typed is unbounded memory.
        var locks = new AccountLocks();

        for (var i = 0; i < 10_000; i++)
        {
            using var _ = await locks.AcquireAsync($"nobody-{i}", TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task AcquireAsync_ParallelOnOneName_NeverTwoInside()
    {
        var locks = new AccountLocks();
        var inside = 0;
        var overlaps = 0;

        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            using var held = await locks.AcquireAsync("alice");
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            await Task.Yield();
            Interlocked.Decrement(ref inside);
        })));

        Assert.Equal(0, overlaps);
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task DecideAsync_OnAFleet_FirstTryTakesNoFleetLock_ATryTheStoreRefusedRunsAgainUnderIt()
    {
        var fleet = new CountingFleetLocks();
        var locks = new AccountLocks(fleet);
        var tries = new List<string>();

        var verdict = await locks.DecideAsync(async () =>
        {
            using var held = await locks.AcquireAsync("alice");
            var attempt = UnlockedAttempt.Current;
            tries.Add($"fleet locks taken: {fleet.Taken}; skipped: [{string.Join(", ", attempt?.Names ?? [])}]");
            if (attempt is not null)
            {
                // What the fleet's store does when this try's commit finds the account changed or its lock taken.
                attempt.MarkLost();
                throw new IOException("refused");
            }

            return "decided";
        });

        Assert.Equal("decided", verdict);
        Assert.Equal(["fleet locks taken: 0; skipped: [alice]", "fleet locks taken: 1; skipped: []"], tries);
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task DecideAsync_AFailureThatIsNoRefusedTry_IsNotRetried()
    {
        var fleet = new CountingFleetLocks();
        var locks = new AccountLocks(fleet);
        var runs = 0;

        await Assert.ThrowsAsync<IOException>(() => locks.DecideAsync<string>(async () =>
        {
            runs++;
            using var held = await locks.AcquireAsync("alice");
            throw new IOException("the fleet has no quorum");
        }));

        Assert.Equal(1, runs);
        Assert.Equal(0, fleet.Taken);
    }

    [Fact]
    public async Task DecideAsync_Standalone_RunsOnceUnderTheOwnLockWithNoAttempt()
    {
        var locks = new AccountLocks();
        UnlockedAttempt? seen = null;
        var runs = 0;

        await Assert.ThrowsAsync<IOException>(() => locks.DecideAsync<string>(async () =>
        {
            runs++;
            using var held = await locks.AcquireAsync("alice");
            seen = UnlockedAttempt.Current;
            throw new IOException("disk full");
        }));

        Assert.Equal(1, runs);
        Assert.Null(seen);
    }

    private sealed class CountingFleetLocks : IFleetLocks
    {
        private int _taken;

        public int Taken => _taken;

        public Task<IFleetLock> AcquireAsync(string normalizedUserName, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _taken);
            return Task.FromResult<IFleetLock>(new Holding());
        }

        private sealed class Holding : IFleetLock
        {
            public Task ReleaseAsync() => Task.CompletedTask;
        }
    }
}
