using System.Text.RegularExpressions;
using NasDash.Tests.Browser;

namespace NasDash.Tests.Components;

/// <summary>Which MudBlazor stylesheet App.razor links (the trimmed one before sign-in, the whole one elsewhere), against the real pipeline.</summary>
public sealed partial class AppStylesheetTests
{
    private const string Whole = "_content/MudBlazor/MudBlazor.min.css";

    [Fact]
    public async Task SetupPage_LinksTrimmedStylesheet_ServedAtItsFingerprintedUrl()
    {
        using var server = new AppServer();
        var page = await GetStringAsync(server, "/setup");

        var trimmed = TrimmedLink().Match(page);
        Assert.True(trimmed.Success, "the setup page links the trimmed stylesheet");
        Assert.DoesNotContain(Whole, page, StringComparison.Ordinal);

        // Compressed (br) and immutable in a Release publish: bench/run.sh lists the bytes of each first-load response.
        var css = await GetStringAsync(server, "/" + trimmed.Groups[1].Value);
        Assert.StartsWith("/* MudBlazor ", css, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PageOfMainLayout_LinksWholeStylesheet()
    {
        using var server = new AppServer();
        await SetupDriver.CompleteSetupThroughServicesAsync(server);

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(new Uri(server.BaseUrl + "/no-such-page"), TestContext.Current.CancellationToken);
        var page = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains(Whole, page, StringComparison.Ordinal);
        Assert.DoesNotMatch(TrimmedLink(), page);
    }

    [Fact]
    public async Task TrimmedStylesheet_MadeFromThisMudBlazorVersion_OnlyRulesOfTheWholeOne()
    {
        using var server = new AppServer();
        var page = await GetStringAsync(server, "/setup");
        var trimmed = await GetStringAsync(server, "/" + TrimmedLink().Match(page).Groups[1].Value);
        var whole = await GetStringAsync(server, "/" + Whole);

        // Regenerate with tools/trim-mudblazor-css.py after a MudBlazor upgrade.
        var version = typeof(MudBlazor.MudButton).Assembly.GetName().Version!;
        Assert.StartsWith($"/* MudBlazor {version.Major}.{version.Minor}.{version.Build},", trimmed, StringComparison.Ordinal);
        var rules = RuleBody().Matches(trimmed).Select(m => m.Value).Distinct().ToList();
        Assert.True(rules.Count > 500, "the trimmed stylesheet still has the rules of the components it keeps");
        Assert.All(rules, rule => Assert.Contains(rule, whole, StringComparison.Ordinal));
        Assert.True(trimmed.Length < whole.Length / 2, "the trimmed stylesheet is less than half the whole one");
    }

    private static async Task<string> GetStringAsync(AppServer server, string path)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        return await http.GetStringAsync(new Uri(server.BaseUrl + path), TestContext.Current.CancellationToken);
    }

    [GeneratedRegex("""href="(css/mudblazor-signin[.a-z0-9]*\.css)"[^>]*data-nd-signin-styles""")]
    private static partial Regex TrimmedLink();

    /// <summary>Each declaration block with its selector, which the trimming keeps verbatim (selector lists may lose members).</summary>
    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex RuleBody();
}
