using System.Net;
using NasDash.Hosting;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

/// <summary>
/// X-Forwarded-For names the client only when it comes from a proxy the administrator trusts; otherwise anyone
/// could choose the address that the per-address throttle counts and the audit log records.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReverseProxyTests(Chromium chromium)
{
    private const string Forwarded = "198.51.100.1, 203.0.113.7";

    [Fact]
    public void Parse_AddressesAndNetworks_BlanksIgnored()
    {
        var networks = ReverseProxy.Parse(["192.0.2.1", " 10.0.0.0/8 ", "", "::1", "fd00::/8"]);

        Assert.Equal(["192.0.2.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"], networks.Select(n => n.ToString()));
    }

    [Theory]
    [InlineData("proxy.lan")]
    [InlineData("10.0.0.0/33")]
    [InlineData("300.1.1.1")]
    public void Parse_NotAnAddress_RefusesNamingTheValue(string entry)
    {
        var error = Assert.Throws<StartupRefusedException>(() => ReverseProxy.Parse([entry]));

        Assert.Contains($"'{entry}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("NasDash:TrustedProxies", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "127.0.0.1")]
    [InlineData("10.0.0.0/8", "127.0.0.1")]
    [InlineData("127.0.0.1", "203.0.113.7")]
    [InlineData("127.0.0.0/8", "203.0.113.7")]
    public async Task Request_WithForwardedFor_RecordsTheProxysClientOnlyWhenTheProxyIsTrusted(string? trusted, string recorded)
    {
        using var server = new AppServer(trusted is null ? null : new Dictionary<string, string?> { ["NasDash:TrustedProxies:0"] = trusted });
        SeededAccounts.Create(server.Services, "alice");
        using var http = HttpSignIn.Browserless(server);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/complete") { Content = new FormUrlEncodedContent([new("ticket", "forged")]) };
        request.Headers.Add("X-Forwarded-For", Forwarded);

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var refused = Assert.Single(server.Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "session.ticket")));
        Assert.Equal(recorded, refused.ClientAddress);
    }

    [Fact]
    public async Task SignInPage_BehindTrustedProxy_CountsFailuresAgainstTheForwardedClient()
    {
        using var server = new AppServer(new Dictionary<string, string?> { ["NasDash:TrustedProxies:0"] = "127.0.0.1" });
        SeededAccounts.Create(server.Services, "alice");
        await using var b = await BrowserPage.OpenAsync(chromium, server);
        await b.RunAsync(nameof(SignInPage_BehindTrustedProxy_CountsFailuresAgainstTheForwardedClient), async _ =>
        {
            // The header reaches every request of the page, the circuit's WebSocket included.
            await b.Page.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["X-Forwarded-For"] = "203.0.113.9" });
            await b.EnterPasswordAsync("alice", "not the password");
            await Microsoft.Playwright.Assertions.Expect(b.ById("login-error")).ToBeVisibleAsync();

            var failed = Assert.Single(server.Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "login.password")));
            Assert.Equal("failed", failed.Outcome);
            Assert.Equal("203.0.113.9", failed.ClientAddress);
        });
    }
}
