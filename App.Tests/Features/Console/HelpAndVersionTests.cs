using NasDash.Hosting;
using NasDash.Storage;
using NasDash.Features.Console;
using NasDash.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace NasDash.Tests.Features.Console;

/// <summary>`nasdash --help` and `nasdash --version` as the real program: they print, exit 0 and start nothing.</summary>
public sealed class HelpAndVersionTests
{
    [Fact]
    public async Task Help_OnAFreeDataDirectory_PrintsServerAndConsoleUsageAndCreatesNothing()
    {
        using var work = new TempDirectory();
        var data = Path.Combine(work.Path, "data");

        var result = await NasDashProcess.UntilExitAsync(work.Path, "--help", "--NasDash:DataDirectory", data);

        Assert.Equal((0, ""), (result.Exit, result.Error));
        Assert.Contains("nasdash [--urls <url>]", result.Output, StringComparison.Ordinal);
        Assert.Contains("unlock <user>", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task Version_WhileTheStoreIsInUse_PrintsTheVersionAndExits0()
    {
        using var work = new TempDirectory();
        using var held = new LiteDbStore(work.Path, new FakeTimeProvider());

        var result = await NasDashProcess.UntilExitAsync(work.Path, "--version", "--NasDash:DataDirectory", work.Path);

        Assert.Equal((0, "", $"nasdash {HelpAndVersion.Version}"), (result.Exit, result.Error, result.Output.Trim()));
    }

    [Theory]
    [InlineData("--version --urls http://127.0.0.1:0", "--version")]
    [InlineData("--version --help", "--version")]
    [InlineData("--urls http://127.0.0.1:0 --help", "--help")]
    [InlineData("--NasDash:Session:SecureCookies --version", "--version")]
    [InlineData("--urls http://127.0.0.1:0", null)]
    [InlineData("--NasDash:DataDirectory --help", "--help")]
    [InlineData("console --help", null)]
    public void Requested_WhereverTheFlagStands_IsFoundAndTakesNoValue(string args, string? expected)
    {
        Assert.Equal(expected, HelpAndVersion.Requested(args.Split(' ')));
    }
}
