using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

/// <summary>The appliance as shipped (Production: Secure cookie, full hashing cost) over its self-signed https, in Chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed class HttpsBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task Production_OverSelfSignedHttps_SetupThenSignInGivesASecureSessionCookie()
    {
        using var server = new AppServer(environment: "Production", https: true);
        Assert.StartsWith("https://", server.BaseUrl, StringComparison.Ordinal);
        await using var b = await BrowserPage.OpenAsync(chromium, server, acceptSelfSigned: true);
        await b.RunAsync(nameof(Production_OverSelfSignedHttps_SetupThenSignInGivesASecureSessionCookie), async _ =>
        {
            var admin = await SetupDriver.CompleteSetupAsync(b, server);

            await b.EnterPasswordAsync(admin.UserName, admin.Password);
            await b.InputOf("login-totp").WaitForAsync();
            await b.EnterTotpAsync(await admin.NextCodeAsync());
            await b.WaitForDashboardAsync();
            await Assertions.Expect(b.ById("user-menu")).ToBeVisibleAsync();

            var session = Assert.Single(await b.Context.CookiesAsync(), c => c.Name == SessionsFeature.SecureCookieName);
            Assert.True(session.Secure);
            Assert.True(session.HttpOnly);
            Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        });
    }
}
