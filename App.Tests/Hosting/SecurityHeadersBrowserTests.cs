using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

/// <summary>The headers as Chromium applies them: the app works under its CSP, other origins can neither frame nor sign out.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SecurityHeadersBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task EveryPage_UnderTheContentSecurityPolicy_WorksWithoutAViolation()
    {
        using var server = new AppServer();
        await using var b = await BrowserPage.OpenAsync(chromium, server);
        var console = Record(b.Page);
        await b.RunAsync(nameof(EveryPage_UnderTheContentSecurityPolicy_WorksWithoutAViolation), async _ =>
        {
            var admin = await SetupDriver.CompleteSetupAsync(b, server);
            await b.EnterPasswordAsync(admin.UserName, admin.Password);
            await b.InputOf("login-totp").WaitForAsync();
            await b.EnterTotpAsync(await admin.NextCodeAsync());
            await b.WaitForDashboardAsync();
            await b.WaitInteractiveAsync();

            foreach (var page in new[] { "/users", "/settings/two-factor", "/account", "/audit", "/services/ssh", "/settings/notifications", "/" })
            {
                await b.GotoAsync(page);
            }

            await b.SignOutAsync();
        });

        Assert.DoesNotContain(console, IsPolicyMessage);
        Assert.DoesNotContain(console, m => m.StartsWith("pageerror", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_FramedByAPageOfAnotherOrigin_IsRefused()
    {
        using var server = new AppServer();
        SeededAccounts.CompleteSetup(server.Services);
        await using var other = await OtherOrigin.StartAsync($"<iframe id=\"framed\" src=\"{server.BaseUrl}/login\"></iframe>");
        await using var b = await BrowserPage.OpenAsync(chromium, server);
        var console = Record(b.Page);

        await b.Page.GotoAsync(other.Url("127.0.0.1"));
        var framed = b.Page.Frames.Single(f => f != b.Page.MainFrame);
        await Assertions.Expect(b.Page.Locator("#framed")).ToBeAttachedAsync();
        await WaitUntilAsync(() => console.Any(m => m.Contains("frame-ancestors", StringComparison.Ordinal)));

        Assert.Equal(0, await framed.Locator("[data-testid=login-username]").CountAsync());
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task SignOut_PostedFromAPageOfAnotherOrigin_LeavesTheSessionAlive(string otherHost)
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        await using var other = await OtherOrigin.StartAsync(
            $"<form method=\"post\" action=\"{server.BaseUrl}{SessionsFeature.SignOutPath}\"><input name=\"x\" value=\"1\"><button id=\"go\">Win a prize</button></form>");
        await using var b = await BrowserPage.OpenAsync(chromium, server);
        await b.RunAsync(nameof(SignOut_PostedFromAPageOfAnotherOrigin_LeavesTheSessionAlive), async _ =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice);
            var before = Session(await b.Context.CookiesAsync());

            await b.Page.GotoAsync(other.Url(otherHost));
            var posted = b.Page.WaitForResponseAsync(r => r.Url.EndsWith(SessionsFeature.SignOutPath, StringComparison.Ordinal));
            await b.Page.ClickAsync("#go");
            var response = await posted;

            Assert.Equal((int)HttpStatusCode.BadRequest, response.Status);
            await Assertions.Expect(b.Page.GetByText(SessionsFeature.SignOutRefused)).ToBeVisibleAsync();
            Assert.Equal(before.Value, Session(await b.Context.CookiesAsync()).Value);
            await b.GotoAsync("/");
            await b.WaitForDashboardAsync();
            await Assertions.Expect(b.ById("user-menu")).ToBeVisibleAsync();
        });
    }

    private static BrowserContextCookiesResult Session(IReadOnlyList<BrowserContextCookiesResult> cookies) =>
        Assert.Single(cookies, c => c.Name == SessionsFeature.CookieName);

    private static bool IsPolicyMessage(string message) =>
        message.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("Content-Security-Policy", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("Permissions-Policy", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("Permissions Policy", StringComparison.OrdinalIgnoreCase);

    private static ConcurrentQueue<string> Record(IPage page)
    {
        var messages = new ConcurrentQueue<string>();
        page.Console += (_, message) => messages.Enqueue($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => messages.Enqueue($"pageerror: {error}");
        return messages;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var waited = TimeSpan.Zero; !condition(); waited += TimeSpan.FromMilliseconds(100))
        {
            Assert.True(waited < TimeSpan.FromSeconds(15), "Timed out waiting for the browser.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A page of someone else's, served from another loopback port (another origin; on "localhost", another site too).</summary>
    private sealed class OtherOrigin(WebApplication app, int port) : IAsyncDisposable
    {
        public static async Task<OtherOrigin> StartAsync(string body)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.MapGet("/", () => Results.Content($"<!DOCTYPE html><html><body>{body}</body></html>", "text/html"));
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new OtherOrigin(app, new Uri(address).Port);
        }

        public string Url(string host) => $"http://{host}:{port}/";

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
