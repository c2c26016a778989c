using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.Security;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Login;

/// <summary>
/// Issue 22 in Chromium against the appliance as shipped (Production: full hashing cost, Secure and __Host- cookies over
/// its self-signed https; no trusted proxy): nobody who lacks the owner's secrets can keep the owner out.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OwnerCannotBeKeptOutBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task ThirtyWrongPasswordsForMadeUpNamesFromTheOwnersAddress_OwnersTrustedBrowserReachesTotp()
    {
        using var server = new AppServer(environment: "Production", https: true);
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var owner = await OpenAsync(server);
        await using var stranger = await OpenAsync(server);
        await owner.RunAsync(nameof(ThirtyWrongPasswordsForMadeUpNamesFromTheOwnersAddress_OwnersTrustedBrowserReachesTotp), async o =>
        {
            await TrustThisBrowserAsync(o, alice);

            // Everyone comes from 127.0.0.1 here, as behind a NAT or a proxy nobody trusted. Each made-up name fails
            // once, so a pause can only be the address's.
            var paused = 0;
            for (var i = 0; i < 30; i++)
            {
                await stranger.GotoAsync("/login");
                await stranger.EnterPasswordAsync($"ghost-{i}", "a wrong password");
                await stranger.Page.Locator("[data-testid=login-error], [data-testid=login-throttled]").First.WaitForAsync();
                paused += await stranger.ById("login-throttled").CountAsync();
            }

            Assert.True(paused > 0, "the address was never paused");

            // The address is paused for browsers without a device cookie, but never for the owner's trusted browser.
            await o.EnterPasswordAsync("alice", alice.Password);
            await o.InputOf("login-totp").WaitForAsync();
        });
    }

    [Fact]
    public async Task EightPlantedDeviceCookies_WhileTheUntrustedBucketIsPaused_OwnerReachesTotp()
    {
        using var server = new AppServer(environment: "Production", https: true);
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var owner = await OpenAsync(server);
        await owner.RunAsync(nameof(EightPlantedDeviceCookies_WhileTheUntrustedBucketIsPaused_OwnerReachesTotp), async o =>
        {
            await TrustThisBrowserAsync(o, alice);
            var host = new Uri(server.BaseUrl).Host;
            await o.Context.AddCookiesAsync(Enumerable.Range(0, 8).Select(i => new Cookie
            {
                Name = $"nasdash.device.junk{i}",
                Value = $"junk{i}",
                Domain = host,
                Path = i % 2 == 0 ? "/" : "/_blazor",
                Secure = true,
            }));
            await PauseTheUntrustedBucketAsync(server, "alice");

            await o.EnterPasswordAsync("alice", alice.Password);

            await o.InputOf("login-totp").WaitForAsync();
        });
    }

    [Fact]
    public async Task ConsoleUnlock_StrangerPausesTheBucket_OwnerInABrandNewBrowserSignsInWithThePrintedCodeAndEnrols()
    {
        using var server = new AppServer(environment: "Production", https: true);
        var alice = SeededAccounts.Create(server.Services, "alice");
        var code = await SeededAccounts.ConsoleUnlockAsync(server.Services, "alice");
        await PauseTheUntrustedBucketAsync(server, "alice");
        await using var owner = await OpenAsync(server);
        await owner.RunAsync(nameof(ConsoleUnlock_StrangerPausesTheBucket_OwnerInABrandNewBrowserSignsInWithThePrintedCodeAndEnrols), async o =>
        {
            // The password alone is refused while strangers keep sign-in paused …
            await o.EnterPasswordAsync("alice", alice.Password);
            await o.ById("login-throttled").WaitForAsync();

            // … the printed code is the way in.
            await o.ClickAsync("use-enrolment-code");
            await o.InputOf("enrol-code").WaitForAsync();
            await o.FillAsync("login-username", "alice");
            await o.FillAsync("enrol-code", code);
            await o.FillAsync("login-password", alice.Password);
            await o.ClickAsync("enrol-code-submit");

            await o.EnrolAsync();
            await o.WaitForDashboardAsync();
        });

        Assert.True(SeededAccounts.Stored(server.Services, "alice").SecondFactor.IsEnrolled);
    }

    [Fact]
    public async Task SignedInOwner_WhileStrangersKeepTheBucketPaused_ChangesThePassword()
    {
        using var server = new AppServer(environment: "Production", https: true);
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var owner = await OpenAsync(server);
        await owner.RunAsync(nameof(SignedInOwner_WhileStrangersKeepTheBucketPaused_ChangesThePassword), async o =>
        {
            await TrustThisBrowserAsync(o, alice, signOut: false);
            await PauseTheUntrustedBucketAsync(server, "alice");

            await o.GotoAsync("/account");
            await o.FillAsync("account-password-current", alice.Password);
            await o.FillAsync("account-password-new", "a brand new passphrase");
            await o.FillAsync("account-password-confirm", "a brand new passphrase");
            // The change renews this browser's session (its ticket posted to /auth/complete): back to /account, still signed in.
            await o.Page.RunAndWaitForRequestFinishedAsync(() => o.ClickAsync("account-password-submit"),
                new PageRunAndWaitForRequestFinishedOptions { Predicate = r => r.Url.EndsWith(SessionsFeature.CompletePath, StringComparison.Ordinal) });
            await o.WaitForUrlAsync("/account$");
            await o.WaitInteractiveAsync();
            await o.ById("account-password-submit").WaitForAsync();
        });

        var stored = SeededAccounts.Stored(server.Services, "alice");
        Assert.Equal(PasswordCheck.Succeeded, server.Get<PasswordHashing>().Verify(stored, "a brand new passphrase"));
    }

    [Fact]
    public async Task SiblingServerOnAnotherLoopbackPort_CannotSignTheVictimIntoItsAccount()
    {
        using var server = new AppServer();
        var mallory = SeededAccounts.Create(server.Services, "mallory");

        // The attacker signs in to their own account in their own browser and keeps the ticket instead of posting it.
        using var attackerHttp = HttpSignIn.Browserless(server);
        var attackerValue = await HttpSignIn.BrowserValueAsync(attackerHttp);
        var password = await server.Get<SignInService>().SubmitPasswordAsync("mallory", mallory.Password, "127.0.0.1", TestContext.Current.CancellationToken);
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password).ChallengeId;
        var signedIn = await server.Get<SignInService>().SubmitTotpAsync(challenge, mallory.TotpAt(DateTimeOffset.UtcNow), "127.0.0.1", TestContext.Current.CancellationToken);
        var ticket = Assert.IsType<SecondFactorResult.SignedIn>(signedIn).SignInTicket;
        Assert.True(server.Get<PendingSignIns>().BindTicket(ticket, attackerValue));

        // A sibling on another port of the same host plants that binding value in the victim's browser and posts the ticket.
        await using var sibling = await SiblingAsync(attackerValue, ticket, server.BaseUrl + SessionsFeature.CompletePath);
        await using var victim = await BrowserPage.OpenAsync(chromium, server);
        await victim.RunAsync(nameof(SiblingServerOnAnotherLoopbackPort_CannotSignTheVictimIntoItsAccount), async v =>
        {
            await v.GotoAsync("/login");
            await v.Page.GotoAsync(sibling.Urls.Single());
            await v.WaitForUrlAsync("/login\\?expired=1$");

            var planted = Assert.Single(await v.Context.CookiesAsync(), c => c.Name == SignInBrowser.CookieName);
            Assert.Equal(attackerValue, planted.Value);
            Assert.DoesNotContain(await v.Context.CookiesAsync(), c => c.Name == SessionsFeature.CookieName);
        });

        var refusal = Assert.Single(server.Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "session.ticket")));
        Assert.Equal("posted by another site", refusal.Detail);
    }

    private Task<BrowserPage> OpenAsync(AppServer server) => BrowserPage.OpenAsync(chromium, server, acceptSelfSigned: true);

    /// <summary>A complete sign-in (password and TOTP), which gives this browser the account's device cookie.</summary>
    private static async Task TrustThisBrowserAsync(BrowserPage b, SeededAccount account, bool signOut = true)
    {
        await b.ReachTotpAsync(account);
        await b.EnterTotpAsync(account.TotpAt(DateTimeOffset.UtcNow));
        await b.WaitForDashboardAsync();
        await b.WaitInteractiveAsync();
        Assert.Contains(await b.Context.CookiesAsync(), c => c.Name == HostPrefixedCookies.Prefix + DeviceCookieJar.NameFor(account.Id));
        if (signOut)
        {
            // As when the browser is closed: the session cookie goes, the device cookie stays.
            await b.Context.ClearCookiesAsync(new BrowserContextClearCookiesOptions { Name = SessionsFeature.SecureCookieName });
            await b.GotoAsync("/login");
        }
    }

    /// <summary>Strangers from many addresses: wrong passwords until browsers without a device cookie are paused.</summary>
    private static async Task PauseTheUntrustedBucketAsync(AppServer server, string userName)
    {
        var signIns = server.Get<SignInService>();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            await signIns.SubmitPasswordAsync(userName, $"a stranger's guess {i}", DeviceCookieTests.Botnet(i), TestContext.Current.CancellationToken);
        }

        Assert.True(SeededAccounts.Stored(server.Services, userName).IsThrottled(server.Get<TimeProvider>().GetUtcNow()));
    }

    /// <summary>Another web server on the appliance's host, another port: it sets the binding cookie and auto-posts the ticket.</summary>
    private static async Task<WebApplication> SiblingAsync(string plantedValue, string ticket, string completeUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/", (HttpContext http) =>
        {
            http.Response.Headers.Append("Set-Cookie", $"{SignInBrowser.CookieName}={plantedValue}; Path=/; SameSite=Lax");
            return Results.Content(
                $"""
                <!doctype html><html><body>
                <form id="f" method="post" action="{completeUrl}">
                  <input type="hidden" name="ticket" value="{ticket}"><input type="hidden" name="returnUrl" value="/">
                </form>
                <script>document.getElementById("f").submit();</script>
                </body></html>
                """, "text/html");
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }
}
