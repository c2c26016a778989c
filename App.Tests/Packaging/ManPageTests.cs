using System.Diagnostics;
using System.Text.RegularExpressions;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Packaging;

/// <summary>
/// packaging/deb/nasdash.8 as man-db renders it: no groff warnings (lintian's own check, without building the package),
/// and its NOTES name the start order the Debian unit really has.
/// </summary>
public sealed partial class ManPageTests
{
    private static readonly string Page = Path.Combine(DebianPackageBuild.RepositoryRoot, "packaging", "deb", "nasdash.8");
    private static readonly string Unit = Path.Combine(DebianPackageBuild.RepositoryRoot, "packaging", "deb", "nasdash.service");

    [Fact]
    public async Task ManPage_RenderedAsLintianDoes_NoWarnings()
    {
        // lintian's groff-message check: man --warnings -E UTF-8 -l -Tutf8 -Z, anything on stderr is a tag.
        var (exit, _, warnings) = await ManAsync("--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", Page);

        Assert.Equal((0, ""), (exit, warnings));
    }

    [Fact]
    public async Task ManPage_Notes_NameTheUnitsStartOrderAndWhatItMeansForAFleet()
    {
        var after = File.ReadAllLines(Unit).Where(l => l.StartsWith("After=", StringComparison.Ordinal))
            .SelectMany(l => l["After=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var (exit, text, _) = await ManAsync("-P", "cat", "-l", Page);
        var rendered = Spaces().Replace(text, " ");

        Assert.Equal(0, exit);
        Assert.Equal(["network-online.target", "etcd.service"], after);
        Assert.Contains($"nasdash.service starts after {after[0]} and {after[1]}.", rendered, StringComparison.Ordinal);
        Assert.Contains("On a fleet member that runs an etcd member itself", rendered, StringComparison.Ordinal);
        Assert.Contains("With a remote cluster (no etcd.service on this machine)", rendered, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Error)> ManAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(DebianPrograms.Require("man", "man-db")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C.UTF-8";
        start.Environment["MANROFFSEQ"] = "";
        // Wide enough that no sentence is broken (and hyphenated) across lines.
        start.Environment["MANWIDTH"] = "1000";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
