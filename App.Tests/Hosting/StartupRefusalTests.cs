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
