using System.Net;
using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Api;

/// <summary>A token minted in Chromium on /account after a step-up, then used as a script would, and revoked there.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiTokensBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task Token_MintedAfterAStepUp_CallsEveryEndpoint_AndRevokedIsRefused()
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        var alert = ApiServer.RaiseAlert(server);
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(Token_MintedAfterAStepUp_CallsEveryEndpoint_AndRevokedIsRefused), async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice, "/account");
            await b.WaitInteractiveAsync();

            await b.ClickAsync("token-add");
            await b.FillAsync("token-name", "Grafana");
            await b.InputOf("token-scope-alerts").CheckAsync();
            await b.InputOf("token-scope-metrics").CheckAsync();
            await b.FillAsync("token-lifetime", "30");
            await b.ClickAsync("token-create");
            await b.FillAsync("tf-step-up", await alice.NextCodeAsync(server.Get<TimeProvider>()));
            await b.ClickAsync("tf-step-up-confirm");
            var token = await b.TextOfAsync("token-value");
            Assert.Matches("^nasdash_[a-z2-7]{52}$", token);
            await Assertions.Expect(b.ById("token-row")).ToContainTextAsync("read, alerts, metrics");

            using var http = ApiServer.Client(server, token);
            foreach (var url in new[] { "/api/v1/status", "/api/v1/accounts", "/api/v1/alerts", "/api/v1/audit", "/api/v1/audit?category=account", "/metrics" })
            {
                using var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {response.StatusCode}");
            }

            using (var acknowledged = await http.PostAsync($"/api/v1/alerts/{alert.Id}/acknowledge", null, TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.NoContent, acknowledged.StatusCode);
            }

            await b.ClickAsync("token-revoke");
            await b.ClickAsync("token-revoke-confirm");
            await Assertions.Expect(b.ById("token-row")).ToHaveCountAsync(0);
            using var refused = await http.GetAsync("/api/v1/status", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains(server.Get<IAuditLog>().Query(new AuditQuery("alice", "account.api-token")), e => e.Event == "account.api-token-revoked");
        });
    }
}
