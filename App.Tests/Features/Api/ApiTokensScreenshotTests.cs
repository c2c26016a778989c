using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Api;

/// <summary>
/// Not a check: saves screenshots of the API-token panel on /account (empty, the form, a minted token shown once, the
/// list) at desktop and phone width, light and dark, for a person to look at (bin/…/screenshots/api-tokens-*.png).
/// Run explicitly: --filter-class '*ApiTokensScreenshotTests' --explicit only.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiTokensScreenshotTests(Chromium chromium)
{
    [Theory(Explicit = true)]
    [InlineData("desktop", 1280, 860, false)]
    [InlineData("desktop", 1280, 860, true)]
    [InlineData("phone", 390, 844, false)]
    [InlineData("phone", 390, 844, true)]
    public async Task TokenPanel_Screenshots(string device, int width, int height, bool dark)
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        var prefix = $"api-tokens-{device}-{(dark ? "dark" : "light")}";
        await using var browser = await BrowserPage.OpenAsync(chromium, server, width, height, dark);
        await browser.RunAsync(prefix, async b =>
        {
            async Task Shot(string name, string handle)
            {
                await b.Page.WaitForTimeoutAsync(400);
                await b.ById(handle).First.ScrollIntoViewIfNeededAsync();
                await b.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, $"{prefix}-{name}.png") });
            }

            await BrowserSignIn.SignInAsync(b, server, alice, "/account");
            await Shot("01-panel", "token-add");
            await b.ClickAsync("token-add");
            await b.FillAsync("token-name", "Grafana on the NAS");
            await Shot("02-form", "token-name");
            await b.ClickAsync("token-create");
            await b.FillAsync("tf-step-up", await alice.NextCodeAsync(TimeProvider.System));
            await b.ClickAsync("tf-step-up-confirm");
            await b.ById("token-value").WaitForAsync();
            await Shot("03-minted", "token-value");
            await b.ClickAsync("token-done");
            await b.ById("token-list").WaitForAsync();
            await Shot("04-list", "token-list");
        });
    }
}
