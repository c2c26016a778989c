using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Components.Layout;

/// <summary>The light/dark choice is remembered by the browser: it survives a reload and a sign-in, and beats the browser's preference.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ThemePersistenceBrowserTests(Chromium chromium)
{
    // NasDashTheme's Background of each palette, as the browser computes it.
    private const string DarkBackground = "rgb(21, 27, 34)";
    private const string LightBackground = "rgb(244, 246, 248)";

    private static Task<string> BackgroundAsync(BrowserPage b) =>
        b.Page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    private static Task<string?> ChosenThemeAsync(BrowserPage b) => b.Page.Locator("html").GetAttributeAsync("data-nd-theme");

    [Fact]
    public async Task DarkChosen_SurvivesReloadAndSignIn_AndIsServedDarkBeforeAnyScript()
    {
        using var server = new AppServer();
        var owner = await SetupDriver.CompleteSetupThroughServicesAsync(server);
        await using var browser = await BrowserPage.OpenAsync(chromium, server, dark: false);
        await browser.RunAsync(nameof(DarkChosen_SurvivesReloadAndSignIn_AndIsServedDarkBeforeAnyScript), async b =>
        {
            await b.GotoAsync("/login");
            Assert.Equal(LightBackground, await BackgroundAsync(b));

            await b.ClickAsync("dark-mode");
            await Assertions.Expect(b.Page.Locator("body")).ToHaveCSSAsync("background-color", DarkBackground);

            await b.GotoAsync("/login");
            Assert.Equal(DarkBackground, await BackgroundAsync(b));

            await SetupDriver.SignInAsync(b, server, owner);
            Assert.Equal(DarkBackground, await BackgroundAsync(b));
            await b.Page.ReloadAsync();
            await b.WaitInteractiveAsync();
            Assert.Equal(DarkBackground, await BackgroundAsync(b));
            Assert.Equal("true", await b.ButtonOf("dark-mode").GetAttributeAsync("aria-pressed"));

            // The server's first HTML is already dark: no light flash before the circuit starts.
            var cookies = await b.Context.CookiesAsync();
            await using var noScript = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = server.BaseUrl,
                JavaScriptEnabled = false,
                ColorScheme = ColorScheme.Light,
            });
            await noScript.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
            var page = await noScript.NewPageAsync();
            await page.GotoAsync("/");
            Assert.Equal(DarkBackground, await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        });
    }

    [Fact]
    public async Task LightChosen_InADarkPreferringBrowser_StaysLightAfterSignOutAndIn()
    {
        using var server = new AppServer();
        var owner = await SetupDriver.CompleteSetupThroughServicesAsync(server);
        await using var browser = await BrowserPage.OpenAsync(chromium, server, dark: true);
        await browser.RunAsync(nameof(LightChosen_InADarkPreferringBrowser_StaysLightAfterSignOutAndIn), async b =>
        {
            await SetupDriver.SignInAsync(b, server, owner);
            await Assertions.Expect(b.Page.Locator("body")).ToHaveCSSAsync("background-color", DarkBackground);

            await b.ClickAsync("dark-mode");
            await Assertions.Expect(b.Page.Locator("body")).ToHaveCSSAsync("background-color", LightBackground);

            // The colours follow the html element's data-nd-theme, which the server writes from the remembered choice and
            // only the switch changes: once the page is live, nothing left to come can turn it dark.
            await b.SignOutAsync();
            Assert.Equal(("light", LightBackground), (await ChosenThemeAsync(b), await BackgroundAsync(b)));
            await SetupDriver.SignInAsync(b, server, owner);
            await b.WaitInteractiveAsync();
            Assert.Equal(("light", LightBackground), (await ChosenThemeAsync(b), await BackgroundAsync(b)));
            Assert.Equal("false", await b.ButtonOf("dark-mode").GetAttributeAsync("aria-pressed"));
        });
    }

    [Fact]
    public async Task NothingChosen_ADarkPreferringBrowser_GetsDarkFromTheFirstHtml_AndTheSwitchOffersLight()
    {
        using var server = new AppServer();
        await SetupDriver.CompleteSetupThroughServicesAsync(server);
        await using var noScript = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseUrl,
            JavaScriptEnabled = false,
            ColorScheme = ColorScheme.Dark,
        });
        var page = await noScript.NewPageAsync();
        await page.GotoAsync("/login");
        Assert.Equal(DarkBackground, await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));

        await using var browser = await BrowserPage.OpenAsync(chromium, server, dark: true);
        await browser.RunAsync(nameof(NothingChosen_ADarkPreferringBrowser_GetsDarkFromTheFirstHtml_AndTheSwitchOffersLight), async b =>
        {
            await b.GotoAsync("/login");
            Assert.Equal(DarkBackground, await BackgroundAsync(b));
            await Assertions.Expect(b.ButtonOf("dark-mode")).ToHaveAttributeAsync("aria-pressed", "true");
        });
    }
}
