using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// A fleet whose etcd members die: each test has a cluster of its own, since it kills members. Without quorum nothing is
/// guessed and nothing changes; one member down changes nothing for the owner or the attacker.
/// </summary>
public sealed class FleetFaultTests
{
    [Fact]
    public async Task TwoOfThreeMembersDown_SecondFactorRefusedWithQuorumMessage_NothingChanged_BackWithoutRestart()
    {
        using var cluster = new EtcdCluster();
        using var fleet = new TestFleet(cluster, 1);
        var appliance = fleet[0];
        var alice = appliance.CreateEnrolledAccount("alice");
        var challenge = await appliance.ChallengeAsync(alice);
        var before = appliance.Stored(alice);
        var (openPage, session) = OpenPageOf(appliance, before);
        using var _ = openPage;
        Assert.True(openPage.Keeps(session));

        cluster.Kill(1);
        cluster.Kill(2);
        var refused = await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            appliance.SignIn.SubmitTotpAsync(challenge, appliance.WrongCode(alice), "192.0.2.9", TestContext.Current.CancellationToken));

        Assert.Equal("This attempt could not be recorded: the fleet cannot decide now (1 of 3 members reachable). Nothing was counted.", refused.PersonMessage);
        // A page already open cannot be re-checked, and stays, read-only.
        Assert.True(openPage.Keeps(session));
        cluster.Restart(1);
        cluster.Restart(2);
        cluster.WaitUntilWritable(TimeSpan.FromSeconds(30));
        var after = appliance.Stored(alice);
        Assert.Equal(before.TotpFailures, after.TotpFailures);
        Assert.Equal(before.State, after.State);
        var again = await appliance.SignIn.SubmitTotpAsync(await appliance.ChallengeAsync(alice), appliance.NextCode(alice), "192.0.2.1",
            TestContext.Current.CancellationToken);
        Assert.IsType<SecondFactorResult.SignedIn>(again);
    }

    private static (NasDash.Sessions.SessionRevalidation Page, System.Security.Claims.ClaimsPrincipal Session) OpenPageOf(CoreHarness appliance, Account account)
    {
        var options = new NasDashOptions();
        var activity = new NasDash.Sessions.SessionActivity(appliance.Time, options);
        const string id = "open-page";
        activity.Start(id);
        var session = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
        [
            new(System.Security.Claims.ClaimTypes.NameIdentifier, account.Id.ToString()),
            new(NasDash.Sessions.SessionClaims.Stamp, account.SecurityStamp),
            new(NasDash.Sessions.SessionClaims.SessionId, id),
            new(NasDash.Sessions.SessionClaims.IssuedAt, appliance.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ], "test"));
        var validator = new NasDash.Sessions.SessionValidator(appliance.Accounts, appliance.Settings, activity, options);
        return (new NasDash.Sessions.SessionRevalidation(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, validator,
            new NasDash.Security.Ledger.SecurityEvents(), new NasDash.Sessions.SessionRechecks(), appliance.Time), session);
    }

    [Fact]
    public async Task OneMemberKilledMidAttack_WrongBackupSubmissionsStillCountExactlyN()
    {
        const int N = 10;
        using var cluster = new EtcdCluster();
        using var fleet = new TestFleet(cluster, 2, new TwoFactorSettings { MaxFailedBackupSubmissions = N });
        var alice = fleet[0].CreateEnrolledAccount("alice");
        var challenges = new List<(CoreHarness Appliance, string Challenge)>();
        for (var i = 0; i < 24; i++)
        {
            challenges.Add((fleet[i % 2], await fleet[i % 2].ChallengeAsync(alice)));
        }

        var wrong = fleet[0].WrongCodes(2);
        var results = new List<SecondFactorResult>();
        for (var i = 0; i < challenges.Count; i++)
        {
            if (i == 4)
            {
                cluster.Kill(0);
            }

            var (appliance, challenge) = challenges[i];
            results.Add(await appliance.SignIn.SubmitBackupCodesAsync(challenge, wrong, "192.0.2.9", TestContext.Current.CancellationToken));
        }

        Assert.Equal(N - 1, results.Count(r => r is SecondFactorResult.InvalidBackupCodes));
        Assert.Equal(24 - N + 1, results.Count(r => r is SecondFactorResult.SuperLocked));
        foreach (var appliance in fleet.Appliances)
        {
            Assert.Equal(N, appliance.Stored(alice).BackupFailures);
            Assert.Equal(AccountState.SuperLocked, appliance.Stored(alice).State);
        }
    }
}
