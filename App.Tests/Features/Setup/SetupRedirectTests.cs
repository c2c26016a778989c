using System.Net;
using NasDash.Features.Setup;
using NasDash.Tests.Browser;

namespace NasDash.Tests.Features.Setup;

/// <summary>The setup redirect against the real pipeline (Kestrel on a loopback port), without a browser.</summary>
public sealed class SetupRedirectTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/login")]
    [InlineData("/users")]
    [InlineData("/settings/two-factor")]
    [InlineData("/no-such-page")]
    public async Task Request_BeforeSetup_RedirectsToSetup(string path)
    {
        using var server = new AppServer();
        var response = await GetAsync(server, path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/setup", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/setup")]
    [InlineData("/healthz")]
    [InlineData("/favicon.svg")]
    [InlineData("/_framework/blazor.web.js")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css")]
    public async Task Request_BeforeSetup_SetupAndAssetsServed(string path)
    {
        using var server = new AppServer();
        var response = await GetAsync(server, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SetupPage_AfterSetup_RedirectsToLoginAndPagesNoLongerGoToSetup()
    {
        using var server = new AppServer();
        await SetupDriver.CompleteSetupThroughServicesAsync(server);

        var setup = await GetAsync(server, "/setup");
        Assert.Equal(HttpStatusCode.Redirect, setup.StatusCode);
        Assert.Equal("/login", setup.Headers.Location?.OriginalString);
        var dashboard = await GetAsync(server, "/");
        Assert.DoesNotContain("/setup", dashboard.Headers.Location?.OriginalString ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Start_FreshDataDirectory_WritesTokenFileReadableByOwnerOnly()
    {
        using var server = new AppServer();
        var path = Path.Combine(server.DataDirectory, SetupToken.FileName);
        Assert.Matches("^([0-9A-Z]{4}-){5}[0-9A-Z]{4}$", File.ReadAllText(path).Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task Start_TokenNotRequired_WritesNoTokenFile()
    {
        using var server = new AppServer(new Dictionary<string, string?> { ["NasDash:Setup:RequireToken"] = "false" });
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, SetupToken.FileName)));
        Assert.Equal(HttpStatusCode.Redirect, (await GetAsync(server, "/")).StatusCode);
    }

    private static async Task<HttpResponseMessage> GetAsync(AppServer server, string path)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        return await http.GetAsync(new Uri(server.BaseUrl + path), TestContext.Current.CancellationToken);
    }
}
