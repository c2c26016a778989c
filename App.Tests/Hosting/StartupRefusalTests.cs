using Microsoft.Extensions.Time.Testing;
using NasDash.Storage;
using NasDash.Tests.Features.Console;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

/// <summary>A start-up the operator has to fix ends with one plain line on stderr and exit code 1, not a stack trace.</summary>
public sealed class StartupRefusalTests
{
    [Fact]
    public async Task Start_WithAnUnparsableTrustedProxy_RefusesInOneLine()
    {
        using var data = new TempDirectory();

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path, "--NasDash:TrustedProxies:0", "proxy.lan");

        Assert.Equal(1, result.Exit);
        Assert.Equal(
            "nasdash: NasDash:TrustedProxies has 'proxy.lan', which is neither an IP address nor a network like 10.0.0.0/8.",
            result.Error.Trim());
    }

    [Theory]
    [InlineData("--NasDash:Session:IdleTimeout", "nonsense", "NasDash:Session:IdleTimeout has 'nonsense', which is not a time span like 00:30:00.")]
    [InlineData("--NasDash:Session:IdleTimeout", "-00:05:00", "NasDash:Session:IdleTimeout is -00:05:00; it must be longer than zero.")]
    [InlineData("--NasDash:Session:AbsoluteLifetime", "00:00:00", "NasDash:Session:AbsoluteLifetime is 00:00:00; it must be longer than zero.")]
    [InlineData("--NasDash:Audit:RetentionDays", "0", "NasDash:Audit:RetentionDays is 0; audit events must be kept for at least 1 day.")]
    [InlineData("--NasDash:Audit:RetentionDays", "a year", "NasDash:Audit:RetentionDays has 'a year', which is not a whole number.")]
    public async Task Start_WithABadOption_RefusesInOneLineNamingTheKey(string key, string value, string reason)
    {
        using var data = new TempDirectory();

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path, key, value);

        Assert.Equal(1, result.Exit);
        Assert.Equal($"nasdash: {reason}", result.Error.Trim());
        Assert.False(File.Exists(Path.Combine(data.Path, DataDirectory.DatabaseFile)));
    }

    [Fact]
    public async Task Start_WithADataDirectoryThatIsAFile_RefusesInOneLineNamingTheKey()
    {
        using var data = new TempDirectory();
        var file = Path.Combine(data.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path, "--NasDash:DataDirectory", file);

        Assert.Equal(1, result.Exit);
        Assert.Equal($"nasdash: NasDash:DataDirectory is '{file}', which is a file, not a directory.", result.Error.Trim());
    }

    [Fact]
    public async Task Start_WithADataDirectoryUnderAFile_RefusesInOneLineNamingTheKey()
    {
        using var data = new TempDirectory();
        var file = Path.Combine(data.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);
        var under = Path.Combine(file, "data");

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path, "--NasDash:DataDirectory", under);

        Assert.Equal(1, result.Exit);
        Assert.Equal($"nasdash: NasDash:DataDirectory is '{under}', which cannot be created: {file} is a file.", result.Error.Trim());
    }

    [Fact]
    public async Task Start_WhileTheStoreIsOpenElsewhere_RefusesInOneLine()
    {
        using var data = new TempDirectory();
        using var held = new LiteDbStore(data.Path, new FakeTimeProvider());

        var result = await NasDashProcess.ServerUntilExitAsync(data.Path);

        Assert.Equal(1, result.Exit);
        Assert.Equal($"nasdash: The NasDash store in {data.Path} is in use by another process (a running server or console).", result.Error.Trim());
    }
}
