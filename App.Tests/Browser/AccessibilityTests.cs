using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Browser;

/// <summary>
/// axe-core (WCAG 2.2 AA rules and best practices) on every page of <see cref="PageTour"/>, light and dark: no serious
/// or critical violation anywhere; every page has one h1 and a main landmark. The counts per page and impact land in
/// bin/…/screenshots/axe-{theme}.txt.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(Chromium chromium)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryPage_Axe_NoSeriousOrCriticalViolations(bool dark)
    {
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server, dark: dark);
        var theme = dark ? "dark" : "light";
        var report = new StringBuilder();
        var failures = new StringBuilder();
        await browser.RunAsync($"axe-{theme}", async b =>
        {
            await PageTour.VisitAllAsync(b, server, async page =>
            {
                var result = await b.Page.RunAxe(new AxeRunOptions
                {
                    RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
                });
                var byImpact = result.Violations.GroupBy(v => v.Impact ?? "none").ToDictionary(g => g.Key, g => g.Sum(v => v.Nodes.Length));
                report.AppendLine($"{page}: " + string.Join(", ", new[] { "critical", "serious", "moderate", "minor" }
                    .Select(impact => $"{impact} {byImpact.GetValueOrDefault(impact)}")));
                foreach (var violation in result.Violations)
                {
                    var line = $"  {violation.Impact} {violation.Id}: {violation.Help} — {string.Join(" | ", violation.Nodes.Take(3).Select(n => n.Target?.ToString()))}";
                    report.AppendLine(line);
                    if (violation.Impact is "serious" or "critical")
                    {
                        failures.AppendLine($"{page}: {line.Trim()}");
                    }
                }

                var headings = await b.Page.Locator("h1").CountAsync();
                if (headings != 1)
                {
                    failures.AppendLine($"{page}: {headings} h1 elements, expected 1");
                }

                if (await b.Page.Locator("main").CountAsync() != 1)
                {
                    failures.AppendLine($"{page}: no single main landmark");
                }
            });
        });

        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await File.WriteAllTextAsync(Path.Combine(Chromium.ScreenshotDirectory, $"axe-{theme}.txt"), report.ToString(), TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        Assert.True(failures.Length == 0, failures.ToString());
    }
}
