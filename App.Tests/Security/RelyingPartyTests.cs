
namespace NasDash.Tests.Security;

public class RelyingPartyTests
{
    private static readonly RelyingParty Nas = RelyingParty.From("nas.example", ["https://nas.example", "http://localhost:5080"], "nas", []);

    [Theory]
    [InlineData("https://nas.example/account", SecurityKeyAvailability.Available)]
    [InlineData("https://192.168.1.10/account", SecurityKeyAvailability.IpAddress)]
    [InlineData("http://[fd00::1]:5080/login", SecurityKeyAvailability.IpAddress)]
    [InlineData("http://nas.example/login", SecurityKeyAvailability.NotSecure)]
    [InlineData("https://other.example/login", SecurityKeyAvailability.OtherHost)]
    [InlineData("https://nas.example:8443/login", SecurityKeyAvailability.OriginNotAllowed)]
    public void AvailabilityFor_PageAddress_SaysWhetherKeysCanWork(string page, SecurityKeyAvailability expected) =>
        Assert.Equal(expected, Nas.AvailabilityFor(new Uri(page)));

    [Fact]
    public void AvailabilityFor_PlainHttpOnLocalhost_IsASecureContext()
    {
        var local = RelyingParty.From("localhost", ["http://localhost:5080"], "nas", []);

        Assert.Equal(SecurityKeyAvailability.Available, local.AvailabilityFor(new Uri("http://localhost:5080/account")));
    }

    [Fact]
    public void From_NothingConfigured_UsesTheHostNameAndTheListeningAddresses()
    {
        var party = RelyingParty.From(null, [], "NAS", ["https://[::]:443", "http://0.0.0.0:5080", "http://127.0.0.1:5081"]);

        Assert.Equal("nas", party.Id);
        Assert.Equal(
            new[] { "https://nas", "http://nas:5080", "http://127.0.0.1:5081", "http://localhost:5081" }.Order(StringComparer.Ordinal),
            party.Origins.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("http://localhost:5080")]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://[::1]:5080")]
    public void From_NothingConfiguredAndListeningOnLoopbackOnly_IsLocalhostAndAvailableThere(string address)
    {
        var party = RelyingParty.From(null, [], "vm", [address, "https://localhost:8443"]);

        Assert.Equal("localhost", party.Id);
        Assert.Equal(SecurityKeyAvailability.Available, party.AvailabilityFor(new Uri("http://localhost:5080/account")));
    }

    [Fact]
    public void From_NothingConfiguredAndListeningOnLoopbackAndTheNetwork_IsTheHostName()
    {
        var party = RelyingParty.From(null, [], "vm", ["http://localhost:5080", "http://192.0.2.7:5080"]);

        Assert.Equal("vm", party.Id);
    }

    [Fact]
    public void From_Configured_TakesTheConfiguredValues()
    {
        var party = RelyingParty.From("Nas.Example.org", ["https://nas.example.org/"], "nas", ["http://0.0.0.0:5080"]);

        Assert.Equal("nas.example.org", party.Id);
        Assert.Equal(["https://nas.example.org"], party.Origins);
    }
}
