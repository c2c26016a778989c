using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NasDash.Tests.Browser;

/// <summary>
/// Not a check: every page of <see cref="PageTour"/> at desktop and phone width, light and dark, plus the states a
/// page hides until asked (the Add-administrator dialog, a port that does not match its security, the alert history),
/// saved for a person to look at (bin/…/screenshots/tour-*.png). Run explicitly: --filter-class '*PageScreenshotTests' --explicit only.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class PageScreenshotTests(Chromium chromium)
{
    [Theory(Explicit = true)]
    [InlineData(1280, 900, false)]
    [InlineData(1280, 900, true)]
    [InlineData(390, 844, false)]
    [InlineData(390, 844, true)]
    public async Task EveryPage_Screenshots(int width, int height, bool dark)
    {
        using var server = new AppServer();
        var prefix = $"tour-{width}-{(dark ? "dark" : "light")}";
        await using var browser = await BrowserPage.OpenAsync(chromium, server, width, height, dark);
        await browser.RunAsync(prefix, async b =>
        {
            Task Shot(string name) => b.ScreenshotAsync($"{prefix}-{NotInAName().Replace(name.Trim('/'), "-")}");

            await PageTour.VisitAllAsync(b, server, async page =>
            {
                await Shot(page.Length > 1 ? page : "dashboard");
                switch (page)
                {
                    case "/users":
                        await b.ClickAsync("users-create");
                        await b.InputOf("users-new-username").WaitForAsync();
                        await b.Page.WaitForTimeoutAsync(400);
                        await Shot("users-add-dialog");
                        await b.Page.Keyboard.PressAsync("Escape");
                        break;
                    case "/settings/notifications":
                        await b.FillAsync("notify-email-host", "smtp.example.com");
                        await b.FillAsync("notify-email-port", "6102");
                        await b.ById("notify-email-port-warning").WaitForAsync();
                        await Shot("notifications-port-warning");
                        break;
                    case "/alerts":
                        await b.ClickAsync("alert-acknowledge");
                        await b.Page.GetByText("History (1)").ClickAsync();
                        await b.ById("alert-history-item").First.WaitForAsync();
                        await b.Page.WaitForTimeoutAsync(400);
                        await Shot("alerts-history");
                        break;
                }
            });
        });
    }

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NotInAName();
}
