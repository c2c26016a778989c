using NasDash.Fleet;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// A fleet as it runs across a network: etcd members that speak only TLS and demand a client certificate of the fleet's
/// own authority (--client-cert-auth, peers too), with etcd's own authentication on. NasDash with its certificates and
/// user decides sign-ins there; without its certificate, it decides nothing and says why.
/// </summary>
public sealed class FleetTlsTests(FleetTlsTests.TlsClusterFixture fixture) : IClassFixture<FleetTlsTests.TlsClusterFixture>
{
    [Fact]
    public async Task MembersRequiringClientCertificatesAndAUser_ApplianceWithBoth_DecidesSignInsSharedByTheFleet()
    {
        var cluster = fixture.Cluster;
        Assert.All(cluster.Endpoints.Split(','), e => Assert.StartsWith("https://127.0.0.1:", e, StringComparison.Ordinal));
        using var fleet = new TestFleet(cluster, 2);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        fleet[1].Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));

        var wrong = await fleet[1].SignIn.SubmitTotpAsync(await fleet[1].ChallengeAsync(alice), fleet[1].WrongCode(alice), "192.0.2.9", TestContext.Current.CancellationToken);
        var right = await fleet[1].SignIn.SubmitTotpAsync(await fleet[1].ChallengeAsync(alice), fleet[1].NextCode(alice), "192.0.2.2", TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.InvalidTotp>(wrong);
        Assert.IsType<SecondFactorResult.SignedIn>(right);
        Assert.Contains(fleet[0].AuditOf("alice", "login.totp"), e => e.Outcome == "failed");
        Assert.Contains(fleet[0].AuditOf("alice", "login.totp"), e => e.Outcome == "succeeded");
    }

    [Fact]
    public void ApplianceWithoutItsClientCertificate_RefusedWithTheReason_NothingRead()
    {
        var options = fixture.Cluster.Options();
        options.ClientCertificate = null;
        options.ClientKey = null;
        using var client = EtcdConnection.Open(options);
        var store = new EtcdStore(client, options, TimeProvider.System);

        var refused = Assert.Throws<StoreUnavailableException>(() => store.FindByName("alice"));

        Assert.Equal("This attempt could not be recorded: the fleet cannot decide now (0 of 3 members reachable). Nothing was counted.", refused.PersonMessage);
        Assert.True(refused.Message.Contains("This appliance presents no TLS client certificate (NasDash:Fleet:Etcd:ClientCertificate and NasDash:Fleet:Etcd:ClientKey are unset)", StringComparison.Ordinal), refused.ToString());
    }

    [Fact]
    public void RequestNotAnsweredWithinItsTimeout_RefusedWithTheQuorumMessage_NeverARawCancellation()
    {
        // Too short for the token request of etcd's authentication, which the client then abandons with a cancellation
        // (what a busy machine produced in CI with the usual 5 s): the person is told the fleet cannot decide.
        var options = fixture.Cluster.Options();
        options.RequestTimeout = TimeSpan.FromMilliseconds(1);
        using var client = EtcdConnection.Open(options);
        var store = new EtcdStore(client, options, TimeProvider.System);

        var refused = Assert.Throws<StoreUnavailableException>(() => store.FindByName("alice"));

        Assert.StartsWith("This attempt could not be recorded: the fleet cannot decide now (", refused.PersonMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplianceWithACertificateOfAnotherAuthority_RefusedWithTheQuorumMessage()
    {
        var options = fixture.Cluster.Options();
        options.ClientCertificate = fixture.Cluster.Tls!.OtherAuthorityClientCertificate;
        options.ClientKey = fixture.Cluster.Tls.OtherAuthorityClientKey;
        using var client = EtcdConnection.Open(options);
        var store = new EtcdStore(client, options, TimeProvider.System);

        var refused = Assert.Throws<StoreUnavailableException>(() => store.FindByName("alice"));

        Assert.Contains("(0 of 3 members reachable)", refused.PersonMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplianceTrustingAnotherAuthority_RefusesTheMembersWithTheQuorumMessage()
    {
        var options = fixture.Cluster.Options();
        options.CaCertificate = fixture.Cluster.Tls!.OtherAuthority;
        using var client = EtcdConnection.Open(options);
        var store = new EtcdStore(client, options, TimeProvider.System);

        var refused = Assert.Throws<StoreUnavailableException>(() => store.FindByName("alice"));

        Assert.Contains("(0 of 3 members reachable)", refused.PersonMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplianceWithTheWrongEtcdPassword_Refused()
    {
        var options = fixture.Cluster.Options();
        options.Password = "not the password";

        var refused = Record.Exception(() =>
        {
            using var client = EtcdConnection.Open(options);
            new EtcdStore(client, options, TimeProvider.System).FindByName("alice");
        });

        var unavailable = Assert.IsType<StoreUnavailableException>(refused);
        Assert.True(unavailable.Message.Contains("etcd refused this appliance's user: check NasDash:Fleet:Etcd:User and :Password", StringComparison.Ordinal), refused.ToString());
    }

    /// <summary>One TLS cluster with authentication on for the class.</summary>
    public sealed class TlsClusterFixture : IDisposable
    {
        private readonly Lazy<EtcdCluster> _cluster = new(() => new EtcdCluster(tls: true, user: "root"));

        public EtcdCluster Cluster => _cluster.Value;

        public void Dispose()
        {
            if (_cluster.IsValueCreated)
            {
                _cluster.Value.Dispose();
            }
        }
    }
}
