using Bunit;
using Microsoft.AspNetCore.Components.Web;
using NasDash.Features.SecurityKeys;
using NasDash.Features.Users;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.SecurityKeys;

public sealed class SecurityKeysPanelTests() : NasDashTestContext(new Dictionary<string, string?>
{
    ["NasDash:WebAuthn:RelyingPartyId"] = "localhost",
    ["NasDash:WebAuthn:Origins:0"] = "http://localhost",
})
{
    [Fact]
    public async Task Add_NameStepUpAndKeyTouch_ListsTheKey()
    {
        var alice = Seed("alice");
        SignIn(alice);
        using var key = new TestAuthenticator("http://localhost");
        JSInterop.AddInvocationHandler(new AuthenticatorInBrowser(key));
        var cut = Render<SecurityKeysPanel>();

        await cut.Find("[data-testid=key-add]").ClickAsync(new MouseEventArgs());
        InputOf(cut, "key-name").Input("Blue key");
        await StepUpAsync(cut, alice);

        cut.WaitForAssertion(() => Assert.Contains("Blue key", cut.Find("[data-testid=key-row]").TextContent));
        Assert.Equal("Blue key", Assert.Single(Stored(alice).SecurityKeys).Name);
    }

    [Fact]
    public async Task Add_BrowserDialogCancelled_SaysSoAndRegistersNothing()
    {
        var alice = Seed("alice");
        SignIn(alice);
        JSInterop.Setup<BrowserCeremony>("nasdash.webauthn.create", _ => true).SetResult(new BrowserCeremony(false, null, "NotAllowedError"));
        var cut = Render<SecurityKeysPanel>();

        await cut.Find("[data-testid=key-add]").ClickAsync(new MouseEventArgs());
        InputOf(cut, "key-name").Input("Blue key");
        await StepUpAsync(cut, alice);

        cut.WaitForAssertion(() => Assert.Contains("cancelled or timed out", cut.Find("[data-testid=key-error]").TextContent));
        Assert.Empty(Stored(alice).SecurityKeys);
    }

    [Fact]
    public async Task Panel_TwoKeys_ARowEachAndTheUsersPageCountsThem()
    {
        var alice = Seed("alice");
        SignIn(alice);
        using var first = new TestAuthenticator("http://localhost");
        using var second = new TestAuthenticator("http://localhost");
        await SecurityKeySteps.RegisterAsync(Services, alice, first, Time, "First");
        await SecurityKeySteps.RegisterAsync(Services, alice, second, Time, "Second");

        var cut = Render<SecurityKeysPanel>();

        Assert.Equal(["First", "Second"], cut.FindAll("[data-testid=key-row] td:first-child").Select(td => td.TextContent.Trim()));
        Assert.Equal(2, cut.FindAll("[data-testid=key-remove]").Count);
        Assert.Equal(2, Assert.Single(await Get<UsersService>().ListAsync()).SecurityKeys);
    }

    [Fact]
    public async Task Panel_NotEnrolled_OffersNoKey()
    {
        var alice = Seed("alice");
        SignIn(alice);
        await Get<AccountAdministration>().UnlockAsync("alice", "root", Xunit.TestContext.Current.CancellationToken);

        var cut = Render<SecurityKeysPanel>();

        Assert.True(cut.Find("[data-testid=key-add]").HasAttribute("disabled"));
    }

    private Account Stored(SeededAdmin admin) => Get<IAccountStore>().FindById(admin.Id)!;

    /// <summary>navigator.credentials.create answered by a software authenticator, from the options the panel sent.</summary>
    private sealed class AuthenticatorInBrowser(TestAuthenticator key)
        : JSRuntimeInvocationHandlerBase<BrowserCeremony>(invocation => invocation.Identifier == "nasdash.webauthn.create", isCatchAllHandler: false)
    {
        protected override Task<BrowserCeremony> HandleAsync(JSRuntimeInvocation invocation) =>
            Task.FromResult(new BrowserCeremony(true, key.Register((string)invocation.Arguments[0]!), null));
    }
}

public sealed class SecurityKeysServiceTests
{
    private static SecurityKeysService ServiceFor(RelyingParty party) =>
        new(null!, null!, new SecurityKeyCeremonies(new RelyingPartySource(() => party), TimeProvider.System), null!);

    private static readonly SecurityKeysService Nas = ServiceFor(RelyingParty.From("nas.example", ["https://nas.example"], "nas", []));

    [Theory]
    [InlineData("http://192.168.1.10:5080/account", "opened by IP address (192.168.1.10). Open NasDash by its name, https://nas.example/")]
    [InlineData("http://nas.example/account", "only over https (or on localhost)")]
    [InlineData("https://storage.lan/account", "this page was opened as storage.lan. Open https://nas.example/, or set NasDash:WebAuthn:RelyingPartyId")]
    [InlineData("https://nas.example:8443/account", "https://nas.example:8443 is not among the addresses allowed")]
    public void WhyUnavailable_AddressThatCannotWork_SaysWhyAndWhatToDo(string page, string expected) =>
        Assert.Contains(expected, Nas.WhyUnavailable(page, browser: null), StringComparison.Ordinal);

    [Theory]
    // A fleet: the id is the parent domain, which is no appliance; the person is sent to an appliance that works.
    [InlineData("example.lan", new[] { "https://nas2.example.lan:8443", "https://nas1.example.lan:8443" }, "https://nas1.example.lan:8443/")]
    // One appliance on a port of its own: the port is part of the address.
    [InlineData("nas.example", new[] { "https://nas.example:8443" }, "https://nas.example:8443/")]
    [InlineData("nas.example", new[] { "https://storage.nas.example", "https://nas.example" }, "https://nas.example/")]
    // No allowed origin where keys can work (plain http only): the id's own https address.
    [InlineData("nas.example", new[] { "http://nas.example" }, "https://nas.example/")]
    public void WhyUnavailable_TellsToOpenAnAllowedAddressWithItsPort(string id, string[] origins, string open)
    {
        var service = ServiceFor(RelyingParty.From(id, origins, "nas", []));

        Assert.Contains($"Open {open}", service.WhyUnavailable("https://storage.lan/account", browser: null), StringComparison.Ordinal);
    }

    [Fact]
    public void WhyUnavailable_BrowserWithoutWebAuthn_SaysSo()
    {
        Assert.Null(Nas.WhyUnavailable("https://nas.example/account", new BrowserSupport(true, true)));
        Assert.Contains("does not support security keys", Nas.WhyUnavailable("https://nas.example/account", new BrowserSupport(true, false)), StringComparison.Ordinal);
    }
}
