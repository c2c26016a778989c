using NasDash.Fleet;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// With etcd's authentication on, a member forgets the tokens it gave out when they expire (--auth-token-ttl, 300 s by
/// default) and when it restarts. An appliance holding such a token must authenticate again and decide, not answer
/// "the fleet cannot decide" until someone restarts NasDash.
/// </summary>
public sealed class FleetAuthTokenTests
{
    [Fact]
    public Task TokenExpiredOnTheMember_NextDecisionAuthenticatesAgainAndIsRecorded() =>
        NextDecisionRecordedAfterAsync(new EtcdCluster(members: 1, user: "root", extraArguments: ["--auth-token-ttl", "1"]),
            // etcd's simple tokens are dropped by a keeper that runs once a second after their time to live.
            _ => Thread.Sleep(TimeSpan.FromSeconds(3)));

    [Fact]
    public Task MemberRestarted_NextDecisionAuthenticatesAgainAndIsRecorded() =>
        NextDecisionRecordedAfterAsync(new EtcdCluster(members: 1, user: "root"), Restart);

    [Fact]
    public async Task MemberRestarted_TheWatchResumesWithAFreshTokenAndMissesNothing()
    {
        using var cluster = new EtcdCluster(members: 1, user: "root");
        using var fleet = new TestFleet(cluster, 2);
        var watch = await FleetTesting.StartWatchAsync(fleet[1]);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<StoreChange>();
        watch.Changed += seen.Enqueue;

        Restart(cluster);
        var alice = fleet[0].CreateEnrolledAccount("alice");

        await FleetTesting.UntilAsync(() => seen.Contains(new StoreChange.AccountChanged(alice.Id)), FleetWatch.LongestResume + TimeSpan.FromSeconds(10),
            () => $"the watch's problem: {watch.Problem ?? "none"}, revision {watch.CopyRevision}");
    }

    private static async Task NextDecisionRecordedAfterAsync(EtcdCluster etcd, Action<EtcdCluster> forgetTokens)
    {
        using var cluster = etcd;
        using var fleet = new TestFleet(cluster, 1);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        Assert.IsType<SecondFactorResult.InvalidTotp>(await WrongCodeAsync(fleet[0], alice));

        forgetTokens(cluster);

        Assert.IsType<SecondFactorResult.InvalidTotp>(await WrongCodeAsync(fleet[0], alice));
        Assert.Equal(2, fleet[0].Stored(alice).TotpFailures);
    }

    private static void Restart(EtcdCluster cluster)
    {
        cluster.Kill(0);
        cluster.Restart(0);
        cluster.WaitUntilWritable(TimeSpan.FromSeconds(30));
    }

    private static async Task<SecondFactorResult> WrongCodeAsync(CoreHarness appliance, EnrolledAccount account) =>
        await appliance.SignIn.SubmitTotpAsync(await appliance.ChallengeAsync(account), appliance.WrongCode(account), "192.0.2.1",
            TestContext.Current.CancellationToken);
}
