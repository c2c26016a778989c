using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// Three appliances on one fleet: three security cores as the app wires them (NasDash:Fleet:Etcd:*), each with its own
/// data directory and clock, on one real 3-member etcd cluster. One identity and one ledger: a guess counts once
/// wherever it is made, and a code used on one appliance is used on all.
/// </summary>
public sealed class FleetDecisionTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task ThirtyWrongBackupSubmissionsSpreadOverThreeAppliancesAtOnce_CountExactlyN_SuperLockedEverywhere()
    {
        const int N = 10;
        using var fleet = new TestFleet(fixture.Cluster, 3, new TwoFactorSettings { MaxFailedBackupSubmissions = N });
        var alice = fleet[0].CreateEnrolledAccount("alice");
        var wrong = fleet[0].WrongCodes(2);

        var results = await fleet.AllAtOnceAsync(alice, 30, (appliance, challenge) => appliance.SignIn.SubmitBackupCodesAsync(challenge, wrong, "192.0.2.9"));

        Assert.Equal(N - 1, results.Count(r => r is SecondFactorResult.InvalidBackupCodes));
        Assert.Equal(30 - N + 1, results.Count(r => r is SecondFactorResult.SuperLocked));
        foreach (var appliance in fleet.Appliances)
        {
            var stored = appliance.Stored(alice);
            Assert.Equal(AccountState.SuperLocked, stored.State);
            Assert.Equal(N, stored.BackupFailures);
        }

        var counted = fleet[2].AuditOf("alice", "login.backup-codes");
        Assert.Equal(N - 1, counted.Count(e => e.Outcome == "failed"));
        Assert.Equal("failures=10", Assert.Single(counted, e => e.Outcome == "superlocked").Detail);
    }

    [Fact]
    public async Task TotpCodeAcceptedOnOneAppliance_RefusedAsUsedOnAnotherInTheSameStep()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        var code = fleet[0].NextCode(alice);
        fleet[1].Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));

        var first = await fleet[0].SignIn.SubmitTotpAsync(await fleet[0].ChallengeAsync(alice), code, "192.0.2.1", TestContext.Current.CancellationToken);
        var second = await fleet[1].SignIn.SubmitTotpAsync(await fleet[1].ChallengeAsync(alice), code, "192.0.2.2", TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.SignedIn>(first);
        Assert.True(second is SecondFactorResult.InvalidTotp { Replayed: true }, second.ToString());
        Assert.Equal(1, fleet[0].Stored(alice).TotpFailures);
    }

    [Fact]
    public async Task AccountMadeOnOneAppliance_SignsInOnAnotherWithTheSameSecret()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        fleet[1].Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));

        var result = await fleet[1].SignIn.SubmitTotpAsync(await fleet[1].ChallengeAsync(alice), fleet[1].Totp.Current(alice.TotpSecret), "192.0.2.2", TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.SignedIn>(result);
    }
}

/// <summary>Appliances of one fleet: <see cref="CoreHarness"/>es configured for the cluster under one prefix and key-ring key.</summary>
public sealed class TestFleet : IDisposable
{
    private readonly TempDirectory _shared = new();

    /// <param name="settings">More configuration, the same on every appliance (e.g. the fleet's WebAuthn relying party).</param>
    /// <param name="fleet">The appliances' NasDash:Fleet:Etcd options (another user, another prefix); the cluster's own by default.</param>
    public TestFleet(EtcdCluster cluster, int appliances, TwoFactorSettings? policy = null, IReadOnlyDictionary<string, string?>? settings = null,
        NasDash.Fleet.EtcdFleetOptions? fleet = null)
    {
        Settings = FleetNoticeTests.FleetSettings(fleet ?? cluster.Options(), _shared);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            Settings[key] = value;
        }

        Appliances = [.. Enumerable.Range(0, appliances).Select(_ => new CoreHarness(settings: Settings))];
        if (policy is not null)
        {
            Appliances[0].Policy = policy;
        }
    }

    public IReadOnlyList<CoreHarness> Appliances { get; }

    /// <summary>The fleet's configuration (NasDash:Fleet:Etcd:*) every appliance runs with.</summary>
    public Dictionary<string, string?> Settings { get; }

    public CoreHarness this[int index] => Appliances[index];

    /// <summary>
    /// Passes the password step <paramref name="count"/> times, in turn on each appliance, then makes every second-factor
    /// submission at the same moment, each on its own thread.
    /// </summary>
    public async Task<SecondFactorResult[]> AllAtOnceAsync(EnrolledAccount account, int count, Func<CoreHarness, string, Task<SecondFactorResult>> submit)
    {
        var challenges = new List<(CoreHarness Appliance, string Challenge)>();
        for (var i = 0; i < count; i++)
        {
            var appliance = Appliances[i % Appliances.Count];
            challenges.Add((appliance, await appliance.ChallengeAsync(account)));
        }

        using var gate = new ManualResetEventSlim();
        var submissions = challenges.Select(c => Task.Run(async () =>
        {
            gate.Wait();
            return await submit(c.Appliance, c.Challenge);
        })).ToList();
        gate.Set();
        return await Task.WhenAll(submissions);
    }

    public void Dispose()
    {
        foreach (var appliance in Appliances)
        {
            appliance.Dispose();
        }

        _shared.Dispose();
    }
}

/// <summary>An open page on one appliance, judged against a change made on another (the same check its circuit repeats every 5 s).</summary>
public sealed class FleetSessionTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task PasswordResetOnApplianceA_SessionOnApplianceB_RevokedAtItsNextCheck()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        fleet[0].CreateEnrolledAccount("owner");
        var onB = fleet[1];
        var session = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
        [
            new(System.Security.Claims.ClaimTypes.NameIdentifier, alice.Id.ToString()),
            new(NasDash.Sessions.SessionClaims.Stamp, onB.Stored(alice).SecurityStamp),
            new(NasDash.Sessions.SessionClaims.IssuedAt, onB.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ], "test"));
        var options = new NasDashOptions();
        var validator = new NasDash.Sessions.SessionValidator(onB.Accounts, onB.Settings, new NasDash.Sessions.SessionActivity(onB.Time, options), options);
        Assert.NotEqual(NasDash.Sessions.SessionVerdict.Revoked, validator.Check(session));

        var reset = await fleet[0].Administration.ResetPasswordAsync("alice", "a new password of some length", "owner", TestContext.Current.CancellationToken);

        Assert.IsType<AdministrationResult.Done>(reset);
        Assert.Equal(NasDash.Sessions.SessionVerdict.Revoked, validator.Check(session));
    }
}
