using System.Net;
using NasDash.Hosting;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

/// <summary>
/// Every response that can become a document carries the whole browser hardening, and every other one nosniff and the
/// referrer policy, from the real pipeline on a loopback port.
/// </summary>
public sealed class SecurityHeadersTests : IDisposable
{
    private readonly AppServer _server = new();

    public SecurityHeadersTests() => SeededAccounts.CompleteSetup(_server.Services);

    public void Dispose() => _server.Dispose();

    [Theory]
    [InlineData("/login", HttpStatusCode.OK)]
    [InlineData("/", HttpStatusCode.Redirect)]
    [InlineData("/favicon.svg", HttpStatusCode.OK)]
    [InlineData("/setup", HttpStatusCode.Redirect)]
    [InlineData("/error", HttpStatusCode.OK)]
    [InlineData("/no-such-page", HttpStatusCode.NotFound)]
    public async Task Response_OverHttp_CarriesEveryHeaderButHsts(string path, HttpStatusCode status)
    {
        using var http = HttpSignIn.Browserless(_server);

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        AssertHardened(response);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("/app.css")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.js")]
    [InlineData("/healthz")]
    [InlineData("/healthz/ready")]
    public async Task Response_ThatNosniffKeepsFromBeingAPage_CarriesNosniffAndReferrerPolicyOnly(string path)
    {
        using var http = HttpSignIn.Browserless(_server);

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        foreach (var documentOnly in new[] { "Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy" })
        {
            Assert.False(response.Headers.Contains(documentOnly), $"{path} carries {documentOnly}");
        }
    }

    [Theory]
    [InlineData(200, "text/css; charset=utf-8", false)]
    [InlineData(200, "text/javascript", false)]
    [InlineData(200, "application/json", false)]
    [InlineData(200, "font/woff2", false)]
    [InlineData(200, "image/png", false)]
    [InlineData(200, "text/html; charset=utf-8", true)]
    [InlineData(200, "image/svg+xml", true)]
    [InlineData(200, "application/xml", true)]
    [InlineData(200, "", true)]
    [InlineData(302, "", true)]
    [InlineData(404, "text/plain", true)]
    [InlineData(500, "text/css", true)]
    public void MayBecomeDocument_AnythingNotKnownToBeShownAsText(int status, string type, bool document)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Response.StatusCode = status;
        context.Response.ContentType = type;

        Assert.Equal(document, SecurityHeaders.MayBecomeDocument(context.Response));
    }

    [Fact]
    public async Task Dashboard_SignedIn_CarriesEveryHeader()
    {
        using var http = HttpSignIn.Browserless(_server);
        await HttpSignIn.SignInAsync(_server, http, SeededAccounts.Create(_server.Services, "alice"), DateTimeOffset.UtcNow);

        using var response = await http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertHardened(response);
    }

    [Fact]
    public async Task Csp_IsTheOnlyPolicySent()
    {
        using var http = HttpSignIn.Browserless(_server);

        using var response = await http.GetAsync(new Uri("/login", UriKind.Relative), TestContext.Current.CancellationToken);

        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        foreach (var directive in new[]
                 {
                     "default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'self'",
                     "form-action 'self'", "frame-ancestors 'self'",
                 })
        {
            Assert.Contains(directive, policy, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", policy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/login")]
    [InlineData("/healthz")]
    [InlineData("/app.css")]
    [InlineData("/setup")]
    public async Task Response_OverHttpsToTheApplianceName_AddsHsts(string path)
    {
        using var server = new AppServer(https: true);
        SeededAccounts.CompleteSetup(server.Services);
        using var http = HttpsClient(server);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUrl + path));
        request.Headers.Host = "nas.example";

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(SecurityHeaders.StrictTransportSecurity, Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
    }

    [Fact]
    public async Task Login_OverHttps_AntiforgeryCookieIsSecure()
    {
        using var server = new AppServer(https: true);
        SeededAccounts.CompleteSetup(server.Services);
        using var http = HttpsClient(server);

        using var response = await http.GetAsync(new Uri(server.BaseUrl + "/login"), TestContext.Current.CancellationToken);

        var antiforgery = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.Contains("; secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SignIn_OverHttps_SessionCookieTakesTheHostPrefix()
    {
        using var server = new AppServer(https: true);
        SeededAccounts.CompleteSetup(server.Services);
        using var http = HttpsClient(server);

        using var response = await HttpSignIn.SignInAsync(server, http, SeededAccounts.Create(server.Services, "alice"), DateTimeOffset.UtcNow);

        var session = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionsFeature.SecureCookieName + "=", StringComparison.Ordinal));
        Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; path=/", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", session, StringComparison.OrdinalIgnoreCase);
        using var dashboard = await http.GetAsync(new Uri(server.BaseUrl + "/"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
    }

    private static HttpClient HttpsClient(AppServer server) =>
        new(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        })
        {
            BaseAddress = new Uri(server.BaseUrl),
        };

    private static void AssertHardened(HttpResponseMessage response)
    {
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("SAMEORIGIN", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal(SecurityHeaders.PermissionsPolicy, Assert.Single(response.Headers.GetValues("Permissions-Policy")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Cross-Origin-Opener-Policy")));
    }
}
