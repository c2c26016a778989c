using NasDash.Tests.Browser;

namespace NasDash.Tests.Features.Setup;

/// <summary>Every wizard step at desktop and phone widths, light and dark, its stepper evenly spaced; screenshots land in bin/…/screenshots.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SetupLayoutBrowserTests(Chromium chromium)
{
    [Theory]
    [InlineData(1280, 900, false)]
    [InlineData(1280, 900, true)]
    [InlineData(390, 844, false)]
    [InlineData(390, 844, true)]
    public async Task Wizard_EachStep_FitsTheWindowWidth(int width, int height, bool dark)
    {
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server, width, height, dark);
        var name = $"setup-{width}-{(dark ? "dark" : "light")}";
        await browser.RunAsync(name, async b =>
        {
            await SetupDriver.CompleteSetupAsync(b, server, onStep: async step =>
            {
                // A full-page shot of a scrolled page paints the fixed app bar mid-page.
                await b.Page.EvaluateAsync("() => window.scrollTo(0, 0)");
                await b.ScreenshotAsync($"{name}-{step}");
                var overflow = await b.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
                Assert.True(overflow <= 0, $"The {step} step is {overflow}px wider than the {width}px window.");
                var centres = await b.Page.EvaluateAsync<double[]>(
                    "() => [...document.querySelectorAll('.nd-setup-stepper .mud-step-label-icon')].map(e => { const r = e.getBoundingClientRect(); return r.left + r.width / 2; })");
                var gaps = centres.Zip(centres.Skip(1), (left, right) => right - left).ToList();
                Assert.True(gaps.Max() - gaps.Min() <= 2, $"The {step} step's stepper is uneven at {width}px: gaps of {string.Join(", ", gaps.Select(g => $"{g:0}"))}px.");
            });
        });
    }
}
