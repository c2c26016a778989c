using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.SecurityKeys;

/// <summary>
/// Real WebAuthn ceremonies in Chromium against its virtual authenticators (DevTools protocol), on
/// http://localhost: a secure context whose host name can be the relying-party id.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SecurityKeysBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task TwoKeys_RegisterSignInWithTheSecondRemoveOne_AndConsoleUnlockEndsThem()
    {
        var clock = new SteppingClock();
        // No NasDash:WebAuthn setting, as under `dotnet run`: a server on loopback only is its own relying party, localhost.
        using var server = new AppServer(services: services => services.AddSingleton<TimeProvider>(clock));
        var alice = TestAdministrators.Seed(server.Services, "alice");
        var localhost = server.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        await using var browser = await BrowserPage.OpenAsync(chromium, server, baseUrl: localhost);
        await browser.RunAsync(nameof(TwoKeys_RegisterSignInWithTheSecondRemoveOne_AndConsoleUnlockEndsThem), async b =>
        {
            var devtools = await b.Context.NewCDPSessionAsync(b.Page);
            await devtools.SendAsync("WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });

            await b.EnterPasswordAsync(alice.UserName, alice.Password);
            await b.EnterTotpAsync(await NextCodeAsync(alice, clock));
            await b.WaitForDashboardAsync();
            await b.GotoAsync("/account");

            // One virtual authenticator per key: a key refuses to register twice for one account (excludeCredentials).
            var first = await AddAuthenticatorAsync(devtools);
            await RegisterAsync(b, "First key", await NextCodeAsync(alice, clock), rows: 1);
            await devtools.SendAsync("WebAuthn.removeVirtualAuthenticator", new Dictionary<string, object> { ["authenticatorId"] = first });
            await AddAuthenticatorAsync(devtools);
            await RegisterAsync(b, "Second key", await NextCodeAsync(alice, clock), rows: 2);
            Assert.Equal(["First key", "Second key"], Keys(server).Select(k => k.Name));

            await b.SignOutAsync();
            await SignInWithKeyAsync(b, alice);
            Assert.NotNull(Keys(server).Single(k => k.Name == "Second key").LastUsedAt);
            Assert.Null(Keys(server).Single(k => k.Name == "First key").LastUsedAt);

            await b.GotoAsync("/account");
            await b.ById("key-row").Filter(new LocatorFilterOptions { HasText = "First key" }).Locator("button").ClickAsync();
            await b.FillAsync("tf-step-up", await NextCodeAsync(alice, clock));
            // The removal rotates the stamp and posts a new ticket: wait for the page it loads, not the one that posted it,
            // or the next click lands on a page that is going away.
            await b.Page.EvaluateAsync("() => { window.nasdashPageBeforeRemoval = true; }");
            await b.ClickAsync("tf-step-up-confirm");
            await b.Page.WaitForFunctionAsync("() => !window.nasdashPageBeforeRemoval && location.pathname === '/account'");
            await b.WaitInteractiveAsync();
            await Assertions.Expect(b.ById("key-row")).ToHaveCountAsync(1);
            await Assertions.Expect(b.ById("key-list")).ToContainTextAsync("Second key");
            Assert.Equal(["Second key"], Keys(server).Select(k => k.Name));

            await b.SignOutAsync();
            await SignInWithKeyAsync(b, alice);

            await b.SignOutAsync();
            await SeededAccounts.ConsoleUnlockAsync(server.Services, alice.UserName);
            Assert.Empty(Keys(server));
            await b.EnterPasswordAsync(alice.UserName, alice.Password);
            await b.ById("enrol-code").WaitForAsync();
            Assert.Equal(0, await b.ById("login-key").CountAsync());
        });
    }

    private static async Task<string> NextCodeAsync(SeededAdmin admin, SteppingClock clock)
    {
        clock.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
        return await admin.NextCodeAsync(clock);
    }

    private static async Task<string> AddAuthenticatorAsync(ICDPSession devtools)
    {
        var added = await devtools.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
            },
        });
        return added?.GetProperty("authenticatorId").GetString() ?? throw new InvalidOperationException("No virtual authenticator.");
    }

    private static async Task RegisterAsync(BrowserPage b, string name, string code, int rows)
    {
        await b.ClickAsync("key-add");
        await b.FillAsync("key-name", name);
        await b.FillAsync("tf-step-up", code);
        await b.ClickAsync("tf-step-up-confirm");
        await Assertions.Expect(b.ById("key-message")).ToContainTextAsync(name);
        await Assertions.Expect(b.ById("key-row")).ToHaveCountAsync(rows);
    }

    private static async Task SignInWithKeyAsync(BrowserPage b, SeededAdmin admin)
    {
        await b.EnterPasswordAsync(admin.UserName, admin.Password);
        await b.ClickAsync("login-key");
        await b.WaitForDashboardAsync();
        await b.WaitInteractiveAsync();
    }

    private static IReadOnlyList<SecurityKey> Keys(AppServer server) =>
        SeededAccounts.Stored(server.Services, "alice").SecurityKeys;
}
