using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Api;

/// <summary>/api/v1 on the real app over HTTP, called as curl would: bearer tokens only, every endpoint, every refusal.</summary>
public sealed class ApiHttpTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryEndpoint_WithAReadAndAlertsToken_AnswersWithoutASecret()
    {
        using var server = new AppServer();
        var ops = ApiServer.Seed(server, "ops");
        var token = await ApiServer.MintAsync(server, ops, ApiScopes.Read | ApiScopes.Alerts, "home assistant");
        var alert = ApiServer.RaiseAlert(server);
        using var http = ApiServer.Client(server, token);

        var status = JsonNode.Parse(await http.GetStringAsync("/api/v1/status", Cancel))!;
        Assert.Equal(TestCore.Host, (string?)status["appliance"]);
        Assert.Equal(1, (int?)status["twoFactor"]!["administrators"]);
        Assert.False((bool?)status["ssh"]!["loginDisabled"]);
        Assert.Equal(1, (int?)status["openAlerts"]);

        var accountsText = await http.GetStringAsync("/api/v1/accounts", Cancel);
        var account = JsonNode.Parse(accountsText)!.AsArray().Single()!;
        Assert.Equal(("ops", "normal", true), ((string?)account["userName"], (string?)account["state"], (bool?)account["secondFactors"]!["totp"]));
        var stored = SeededAccounts.Stored(server.Services, "ops");
        Assert.DoesNotContain(stored.PasswordHash, accountsText, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.SecondFactor.ProtectedTotpSecret!, accountsText, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.SecurityStamp, accountsText, StringComparison.Ordinal);
        Assert.All(ops.Codes, code => Assert.DoesNotContain(code, accountsText, StringComparison.Ordinal));
        Assert.DoesNotContain("secret", accountsText, StringComparison.OrdinalIgnoreCase);

        var alerts = JsonNode.Parse(await http.GetStringAsync("/api/v1/alerts", Cancel))!.AsArray();
        Assert.Contains(alerts, a => (string?)a!["id"] == alert.Id.ToString() && (bool?)a["open"] == true);

        using (var acknowledged = await http.PostAsync($"/api/v1/alerts/{alert.Id}/acknowledge", null, Cancel))
        {
            Assert.Equal(HttpStatusCode.NoContent, acknowledged.StatusCode);
        }

        using (var again = await http.PostAsync($"/api/v1/alerts/{alert.Id}/acknowledge", null, Cancel))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        Assert.Empty(server.Get<IAlertStore>().Open());
        var audit = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit?category=alert", Cancel))!;
        var entry = audit["events"]!.AsArray().Single()!;
        Assert.Equal(("ops", "alert.acknowledged"), ((string?)entry["user"], (string?)entry["event"]));
        Assert.Equal("test-alert; via API token “home assistant”", (string?)entry["detail"]);

        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/audit?user=ops");
        csvRequest.Headers.Accept.ParseAdd("text/csv");
        using var csv = await http.SendAsync(csvRequest, Cancel);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync(Cancel)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,user,client,event,outcome,detail", lines[0]);
        Assert.Contains(lines, l => l.Contains(",ops,", StringComparison.Ordinal) && l.Contains("alert.acknowledged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_PagedByItsCursor_GivesEveryEntryOnceAndRefusesTheCursorWithAnotherQuery()
    {
        using var server = new AppServer();
        var ops = ApiServer.Seed(server, "ops");
        var token = await ApiServer.MintAsync(server, ops, ApiScopes.Read);
        using var http = ApiServer.Client(server, token);
        var all = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit?user=ops&limit=500", Cancel))!["events"]!.AsArray().Select(e => (long)e!["id"]!).ToList();
        Assert.True(all.Count >= 2, $"only {all.Count} entries");

        var paged = new List<long>();
        string? cursor = null;
        do
        {
            var page = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit?user=ops&limit=1" + (cursor is null ? "" : "&cursor=" + cursor), Cancel))!;
            paged.AddRange(page["events"]!.AsArray().Select(e => (long)e!["id"]!));
            cursor = (string?)page["next"];
        }
        while (cursor is not null);
        Assert.Equal(all, paged);

        var first = JsonNode.Parse(await http.GetStringAsync("/api/v1/audit?user=ops&limit=1", Cancel))!;
        using var other = await http.GetAsync("/api/v1/audit?user=someone&limit=1&cursor=" + (string?)first["next"], Cancel);
        await AssertProblemAsync(other, "cursor");
    }

    public static TheoryData<string> BadQueries => new()
    {
        "/api/v1/status?verbose=1",
        "/api/v1/audit?colour=red",
        "/api/v1/audit?from=yesterday",
        "/api/v1/audit?to=" + new string('9', 5000),
        "/api/v1/audit?limit=0",
        "/api/v1/audit?limit=99999999999999999999",
        "/api/v1/audit?category=everything",
        "/api/v1/audit?user=" + new string('a', 65),
        "/api/v1/audit?cursor=not-a-cursor",
        "/api/v1/audit?user=a&user=b",
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Get_WithBadQueryValues_Is400ProblemJson(string url)
    {
        using var server = new AppServer();
        var token = await ApiServer.MintAsync(server, ApiServer.Seed(server, "ops"), ApiScopes.Read);
        using var http = ApiServer.Client(server, token);

        using var response = await http.GetAsync(url, Cancel);

        await AssertProblemAsync(response);
    }

    [Fact]
    public async Task Requests_WithABody_Are400AndChangeNothing()
    {
        using var server = new AppServer();
        var token = await ApiServer.MintAsync(server, ApiServer.Seed(server, "ops"), ApiScopes.Read | ApiScopes.Alerts);
        var alert = ApiServer.RaiseAlert(server);
        using var http = ApiServer.Client(server, token);

        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        await AssertProblemAsync(await http.SendAsync(get, Cancel));
        var body = new StringContent("""{"acknowledged":true,"unknownField":1}""", Encoding.UTF8, "application/json");
        await AssertProblemAsync(await http.PostAsync($"/api/v1/alerts/{alert.Id}/acknowledge", body, Cancel));

        Assert.Contains(server.Get<IAlertStore>().Open(), a => a.Id == alert.Id);
    }

    [Fact]
    public async Task Tokens_WrongRevokedOrMissing_Get401WithNoDetail_AndACookieIsNoCredential()
    {
        using var server = new AppServer();
        var ops = ApiServer.Seed(server, "ops");
        var token = await ApiServer.MintAsync(server, ops, ApiScopes.Read);
        var tokens = server.Get<ApiTokens>();
        var id = Assert.Single(tokens.List(ops.Id)).Id;

        using (var none = ApiServer.Client(server, null))
        {
            await Assert401Async(await none.GetAsync("/api/v1/status", Cancel));
        }

        using (var wrong = ApiServer.Client(server, ApiTokens.NewTokenText()))
        {
            await Assert401Async(await wrong.GetAsync("/api/v1/status", Cancel));
        }

        // A signed-in browser's cookie carries no authority on /api: CSRF has nothing to ride on.
        var seeded = SeededAccounts.Create(server.Services, "bob");
        using var browser = HttpSignIn.Browserless(server, new CookieContainer());
        await HttpSignIn.SignInAsync(server, browser, seeded, DateTimeOffset.UtcNow);
        await Assert401Async(await browser.GetAsync("/api/v1/status", Cancel));

        using var http = ApiServer.Client(server, token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/status", Cancel)).StatusCode);
        Assert.True(tokens.Revoke(ops.Id, id, "127.0.0.1"));
        await Assert401Async(await http.GetAsync("/api/v1/status", Cancel));
    }

    [Fact]
    public async Task Token_PastItsExpiry_Gets401()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = new AppServer(services: s => s.AddSingleton<TimeProvider>(time));
        var token = await ApiServer.MintAsync(server, ApiServer.Seed(server, "ops"), ApiScopes.Read, days: 1);
        using var http = ApiServer.Client(server, token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/status", Cancel)).StatusCode);

        time.Advance(TimeSpan.FromDays(1));

        await Assert401Async(await http.GetAsync("/api/v1/status", Cancel));
    }

    [Fact]
    public async Task ReadToken_CannotAcknowledge_NorScrapeMetrics()
    {
        using var server = new AppServer();
        var token = await ApiServer.MintAsync(server, ApiServer.Seed(server, "ops"), ApiScopes.Read);
        var alert = ApiServer.RaiseAlert(server);
        using var http = ApiServer.Client(server, token);

        using var acknowledge = await http.PostAsync($"/api/v1/alerts/{alert.Id}/acknowledge", null, Cancel);
        using var metrics = await http.GetAsync("/metrics", Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, acknowledge.StatusCode);
        Assert.Equal("application/problem+json", acknowledge.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
        Assert.Contains(server.Get<IAlertStore>().Open(), a => a.Id == alert.Id);
    }

    [Fact]
    public async Task WrongTokens_FromOneAddress_AreThrottledWith429_WhileTheOwnersTokenWorks()
    {
        using var server = new AppServer();
        var token = await ApiServer.MintAsync(server, ApiServer.Seed(server, "ops"), ApiScopes.Read);
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            using var wrong = ApiServer.Client(server, ApiTokens.NewTokenText());
            using var response = await wrong.GetAsync("/api/v1/status", Cancel);
            codes.Add(response.StatusCode);
        }

        Assert.Equal(AddressThrottle.FailureBurst, codes.Count(c => c == HttpStatusCode.Unauthorized));
        Assert.Equal(40 - AddressThrottle.FailureBurst, codes.Count(c => c == HttpStatusCode.TooManyRequests));
        using var http = ApiServer.Client(server, token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/status", Cancel)).StatusCode);
    }

    [Fact]
    public async Task EveryEndpoint_CalledWithEveryScope_LeavesEverySignInFactAsItWas()
    {
        using var server = new AppServer();
        var ops = ApiServer.Seed(server, "ops");
        ApiServer.Seed(server, "bob");
        var token = await ApiServer.MintAsync(server, ops, ApiScopes.Read | ApiScopes.Alerts | ApiScopes.Metrics);
        var alert = ApiServer.RaiseAlert(server);
        var before = SignInFacts(server);
        using var http = ApiServer.Client(server, token);

        foreach (var url in new[] { "/api/v1/status", "/api/v1/accounts", "/api/v1/alerts", "/api/v1/audit", "/metrics", "/api/v1/openapi.json" })
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url, Cancel)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/v1/alerts/{alert.Id}/acknowledge", null, Cancel)).StatusCode);
        Assert.Equal(before, SignInFacts(server));
    }

    [Fact]
    public async Task OpenApiDocument_IsTheOneCheckedIn()
    {
        using var server = new AppServer();
        SeededAccounts.CompleteSetup(server.Services);
        using var http = ApiServer.Client(server, null);

        var live = JsonNode.Parse(await http.GetStringAsync("/api/v1/openapi.json", Cancel))!;
        var file = Path.Combine(NasDash.Tests.Packaging.DebianPackageBuild.RepositoryRoot, "App", "Features", "Api", "openapi.json");
        if (Environment.GetEnvironmentVariable("NASDASH_WRITE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(file, live.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n", Cancel);
        }

        var checkedIn = JsonNode.Parse(File.ReadAllText(file))!;

        Assert.True(JsonNode.DeepEquals(checkedIn, live),
            $"The live OpenAPI document differs from {file}. If the API change is meant, run this test with NASDASH_WRITE_OPENAPI=1 to write the live document there:\n{live.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
        foreach (var (path, item) in live["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                Assert.True(operation!["x-nasdash-scope"] is not null, $"{method} {path} names no scope");
                Assert.True(operation["responses"]!["401"] is not null, $"{method} {path} does not say it answers 401");
            }
        }
    }

    private static string SignInFacts(AppServer server) => string.Join('\n', server.Get<IAccountStore>().All().Select(a => JsonSerializer.Serialize(new
    {
        a.UserName, a.PasswordHash, a.SecondFactor.ProtectedTotpSecret, a.SecondFactor.LastTotpStep, a.State, a.StateSince, a.LockedUntil, a.PasswordFailures, a.TotpFailures,
        a.BackupFailures, a.SecurityStamp, a.MustEnrol, a.MustChangePassword, a.DeviceGeneration, a.LastSignInAt, Keys = a.SecurityKeys.Count,
        Codes = a.SecondFactor.BackupCodes?.Hashes.Count, EnrolmentCodeExpiresAt = a.EnrolmentCode.ExpiresAt,
    })).Append(JsonSerializer.Serialize(server.Get<ISettingsStore>().Get())));

    private static async Task Assert401Async(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("", await response.Content.ReadAsStringAsync(Cancel));
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string? mentions = null)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!;
            Assert.Equal(400, (int?)problem["status"]);
            if (mentions is not null)
            {
                Assert.Contains(mentions, (string?)problem["detail"], StringComparison.Ordinal);
            }
        }
    }
}
