using System.Text;
using System.Text.RegularExpressions;
using Bunit;
using MudBlazor;
using MudBlazor.Services;
using NasDash.Components.Layout;
using NasDash.Tests.Packaging;

namespace NasDash.Tests.Components.Layout;

/// <summary>
/// App/wwwroot/css/theme.css is NasDashTheme exactly as MudThemeProvider renders it, light and dark, served once as a
/// fingerprinted, compressed, immutable file instead of an inline style in every page and every circuit.
/// </summary>
public sealed partial class ThemeStylesheetTests
{
    private const string Regenerate = "NASDASH_REGENERATE_THEME";

    [Fact]
    public void CommittedStylesheet_IsWhatMudThemeProviderRendersForNasDashTheme()
    {
        var expected = Stylesheet(Rendered(dark: false), Rendered(dark: true));
        var path = Path.Combine(DebianPackageBuild.RepositoryRoot, "App", "wwwroot", "css", "theme.css");
        if (Environment.GetEnvironmentVariable(Regenerate) == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path) && File.ReadAllText(path) == expected,
            $"App/wwwroot/css/theme.css is not what MudThemeProvider renders for NasDashTheme (after a change of the theme or a MudBlazor upgrade). " +
            $"Regenerate it: {Regenerate}=1 dotnet test --project App.Tests --filter-class '{typeof(ThemeStylesheetTests).FullName}'");
    }

    [Fact]
    public void Stylesheet_DarkDeclarationsApplyByChoiceOrByBrowserPreference_AndLightOnesOtherwise()
    {
        var css = Stylesheet(Rendered(dark: false), Rendered(dark: true));

        Assert.Contains("--mud-palette-background:rgba(244,246,248,1)", Compact(css), StringComparison.Ordinal);
        var chosen = DarkBlock(css, ":root[data-nd-theme=dark]{");
        var preferred = DarkBlock(css, "@media (prefers-color-scheme:dark){:root:not([data-nd-theme=light]){");
        Assert.Equal(chosen, preferred);
        Assert.Contains("--mud-palette-background:rgba(21,27,34,1)", Compact(chosen), StringComparison.Ordinal);
        // Only what differs is repeated for dark: the typography and layout variables come once.
        Assert.DoesNotContain("--mud-typography", chosen, StringComparison.Ordinal);
    }

    /// <summary>The CSS inside the style elements MudThemeProvider renders.</summary>
    private static string Rendered(bool dark)
    {
        using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        var cut = context.Render<MudThemeProvider>(p => p
            .Add(x => x.Theme, NasDashTheme.Theme)
            .Add(x => x.IsDarkMode, dark));
        var styles = StyleElement().Matches(cut.Markup).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(styles);
        return string.Join("\n", styles);
    }

    /// <summary>
    /// Light as rendered; dark's root declarations that differ from light's, under the explicit choice and under the
    /// browser's preference when nothing was chosen. Every other rule must be the same in both, or the file would be wrong.
    /// </summary>
    private static string Stylesheet(string light, string dark)
    {
        var lightRoot = RootBlock().Match(light);
        var darkRoot = RootBlock().Match(dark);
        Assert.True(lightRoot.Success && darkRoot.Success, "MudThemeProvider renders a :root block");
        Assert.Equal(RootBlock().Replace(light, ""), RootBlock().Replace(dark, ""));

        var lightDeclarations = Declarations(lightRoot.Groups[1].Value).ToHashSet();
        var differing = string.Join("", Declarations(darkRoot.Groups[1].Value).Where(d => !lightDeclarations.Contains(d)).Select(d => d + ";"));
        var version = typeof(MudThemeProvider).Assembly.GetName().Version!;
        return new StringBuilder()
            .Append($"/* NasDashTheme as MudThemeProvider of MudBlazor {version.Major}.{version.Minor}.{version.Build} renders it; written by {nameof(ThemeStylesheetTests)} */\n")
            .Append(light.Trim()).Append('\n')
            .Append(":root[data-nd-theme=dark]{").Append(differing).Append("}\n")
            .Append("@media (prefers-color-scheme:dark){:root:not([data-nd-theme=light]){").Append(differing).Append("}}\n")
            .ToString();
    }

    private static IEnumerable<string> Declarations(string block) =>
        block.Split(';').Select(d => d.Trim()).Where(d => d.Length > 0);

    private static string DarkBlock(string css, string opening)
    {
        var start = css.IndexOf(opening, StringComparison.Ordinal);
        Assert.True(start >= 0, $"the stylesheet has {opening}");
        start += opening.Length;
        return css[start..css.IndexOf('}', start)];
    }

    private static string Compact(string css) => css.Replace(" ", "", StringComparison.Ordinal);

    [GeneratedRegex(@"<style[^>]*>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();

    [GeneratedRegex(@":root\s*\{([^{}]*)\}", RegexOptions.Singleline)]
    private static partial Regex RootBlock();
}
