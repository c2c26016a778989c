using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// Security keys across a fleet, as the README sets them up: one relying-party id for the fleet, the parent domain
/// (example.lan for nas1/nas2/nas3.example.lan), and every appliance's origin in NasDash:WebAuthn:Origins, the same
/// settings on each. A key registered on one appliance then signs in on every other; a lookalike site gets nothing.
/// </summary>
public sealed class FleetSecurityKeyTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    private const string FleetId = "example.lan";
    private static readonly string[] ApplianceOrigins = ["https://nas1.example.lan:8443", "https://nas2.example.lan:8443", "https://nas3.example.lan:8443"];

    private static readonly Dictionary<string, string?> WebAuthn = new()
    {
        ["NasDash:WebAuthn:RelyingPartyId"] = FleetId,
        ["NasDash:WebAuthn:Origins:0"] = ApplianceOrigins[0],
        ["NasDash:WebAuthn:Origins:1"] = ApplianceOrigins[1],
        ["NasDash:WebAuthn:Origins:2"] = ApplianceOrigins[2],
    };

    [Theory]
    [InlineData("https://nas1.example.lan:8443/login", SecurityKeyAvailability.Available)]
    [InlineData("https://nas2.example.lan:8443/account", SecurityKeyAvailability.Available)]
    [InlineData("https://nas3.example.lan:8443/login", SecurityKeyAvailability.Available)]
    [InlineData("https://nas1.example.lan.evil.example:8443/login", SecurityKeyAvailability.OtherHost)]
    [InlineData("https://nas1-example.lan:8443/login", SecurityKeyAvailability.OtherHost)]
    [InlineData("https://notexample.lan:8443/login", SecurityKeyAvailability.OtherHost)]
    [InlineData("https://nas4.example.lan:8443/login", SecurityKeyAvailability.OriginNotAllowed)]
    [InlineData("http://nas1.example.lan:8443/login", SecurityKeyAvailability.NotSecure)]
    public void FleetRelyingParty_ParentDomainId_OffersKeysOnEveryApplianceOriginOnly(string page, SecurityKeyAvailability expected)
    {
        var party = RelyingParty.From(FleetId, ApplianceOrigins, "nas1", ["https://0.0.0.0:8443"]);

        Assert.Equal(expected, party.AvailabilityFor(new Uri(page)));
    }

    [Fact]
    public async Task KeyRegisteredOnAppliance1_SignsInOnAppliances2And3_ALookalikeOriginIsRefused()
    {
        using var fleet = new TestFleet(fixture.Cluster, 3, settings: WebAuthn);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(ApplianceOrigins[0]);
        Assert.Equal(StepUpOutcome.Accepted,
            await fleet[0].StepUp.VerifyAsync(alice.Id, fleet[0].NextCode(alice), SecurityKeyRegistry.RegisterPurpose, "192.0.2.1", TestContext.Current.CancellationToken));
        var registry = fleet[0].Get<SecurityKeyRegistry>();
        var registration = registry.StartRegistration(alice.Id) ?? throw new InvalidOperationException("Registration refused.");
        Assert.IsType<SecurityKeyChange.Added>(
            await registry.CompleteRegistrationAsync(registration, alice.Id, "YubiKey", key.Register(registration.OptionsJson), "192.0.2.1", TestContext.Current.CancellationToken));

        foreach (var (appliance, origin) in new[] { (fleet[1], ApplianceOrigins[1]), (fleet[2], ApplianceOrigins[2]) })
        {
            key.Origin = origin;
            Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(appliance, alice, key));
        }

        key.Origin = "https://nas1.example.lan.evil.example:8443";
        Assert.IsNotType<SecondFactorResult.SignedIn>(await SignInWithAsync(fleet[1], alice, key));
        Assert.Equal(2, Assert.Single(fleet[2].Stored(alice).SecurityKeys).SignatureCounter);
    }

    private static async Task<SecondFactorResult> SignInWithAsync(CoreHarness appliance, EnrolledAccount account, TestAuthenticator key)
    {
        var challenge = await appliance.ChallengeAsync(account);
        var prompt = Assert.IsType<SecurityKeyPrompt.Ready>(await appliance.Get<SecurityKeySignIn>().StartAsync(challenge, TestContext.Current.CancellationToken));
        return await appliance.Get<SecurityKeySignIn>().SubmitAsync(challenge, key.Assert(prompt.OptionsJson), "192.0.2.1", TestContext.Current.CancellationToken);
    }
}
