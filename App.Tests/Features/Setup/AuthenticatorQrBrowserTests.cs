using System.Web;
using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Setup;

/// <summary>The QR code as an authenticator app reads it: the rendered SVG, photographed and decoded by zbarimg.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AuthenticatorQrBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task SetupQrCode_DecodedFromTheScreen_IssuerParameterEqualsTheLabelPrefix()
    {
        var zbarimg = DebianPrograms.Require("zbarimg", "zbar-tools");
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(SetupQrCode_DecodedFromTheScreen_IssuerParameterEqualsTheLabelPrefix), async b =>
        {
            await b.GotoAsync("/setup");
            await SetupDriver.EnterTokenAsync(b, await SetupDriver.ReadTokenAsync(server));
            await SetupDriver.EnterAdministratorAsync(b, "owner", TestPasswords.Default);
            var qr = b.ById("totp-qr");
            await qr.Locator("svg").WaitForAsync();
            var secret = await b.ById("totp-secret").GetAttributeAsync("data-secret");
            var image = Path.Combine(Chromium.ScreenshotDirectory, "totp-qr.png");
            Directory.CreateDirectory(Chromium.ScreenshotDirectory);
            await qr.ScreenshotAsync(new LocatorScreenshotOptions { Path = image });

            var decoded = (await DebianPrograms.RunAsync(zbarimg, "--raw", "-q", image)).Trim();

            var uri = new Uri(decoded);
            Assert.Equal("otpauth", uri.Scheme);
            Assert.Equal("totp", uri.Host);
            var label = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
            Assert.Equal("NasDash (nas-test):owner", label);
            var query = HttpUtility.ParseQueryString(uri.Query);
            Assert.Equal(label[..label.IndexOf(':', StringComparison.Ordinal)], query["issuer"]);
            Assert.Equal(secret, query["secret"]);
            Assert.Equal("SHA1", query["algorithm"]);
            Assert.Equal("6", query["digits"]);
            Assert.Equal("30", query["period"]);
            string[] parameters = ["secret", "issuer", "algorithm", "digits", "period"];
            Assert.Equal(parameters, query.AllKeys.OfType<string>());
        });
    }
}
