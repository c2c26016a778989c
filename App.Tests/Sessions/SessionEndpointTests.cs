using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Sessions;

/// <summary>The running app over HTTP, without a browser: tickets, cookies, redirects, session ends.</summary>
public sealed class SessionEndpointTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly AppServer _server;
    private readonly SeededAccount _alice;

    public SessionEndpointTests()
    {
        _server = new AppServer(
            new Dictionary<string, string?> { ["NasDash:Session:AbsoluteLifetime"] = "02:00:00" },
            services => services.AddSingleton<TimeProvider>(_time));
        _alice = SeededAccounts.Create(_server.Services, "alice");
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task CompleteSignIn_ValidTicket_SetsStrictHttpOnlySessionCookieAndGoesToTheReturnUrl()
    {
        using var http = HttpSignIn.Browserless(_server);

        using var response = await HttpSignIn.RedeemAsync(_server.Services, http, await TicketAsync(), "/users?tab=2");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/users?tab=2", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionsFeature.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Audit("session.started"), e => e.Outcome == "succeeded" && e.ClientAddress == "127.0.0.1" && e.UserName == "alice");
    }

    [Fact]
    public async Task CompleteSignIn_TicketUsedTwice_SecondTimeIsRefused()
    {
        var ticket = await TicketAsync();
        using var browser = HttpSignIn.Browserless(_server);

        using var accepted = await HttpSignIn.RedeemAsync(_server.Services, browser, ticket);
        using var refused = await HttpSignIn.PostTicketAsync(browser, ticket);

        Assert.Equal("/", accepted.Headers.Location?.OriginalString);
        Assert.Equal("/login?expired=1", refused.Headers.Location?.OriginalString);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
        Assert.Contains(Audit("session.ticket"), e => e.Outcome == "refused" && e.ClientAddress == "127.0.0.1");
    }

    [Fact]
    public async Task CompleteSignIn_TicketOfAnotherBrowser_IsRefusedAndSpent()
    {
        var ticket = await TicketAsync();
        using var signingIn = HttpSignIn.Browserless(_server);
        using var victim = HttpSignIn.Browserless(_server);
        Assert.True(_server.Get<PendingSignIns>().BindTicket(ticket, await HttpSignIn.BrowserValueAsync(signingIn)));
        await HttpSignIn.BrowserValueAsync(victim);

        using var refused = await HttpSignIn.PostTicketAsync(victim, ticket);
        using var afterwards = await HttpSignIn.PostTicketAsync(signingIn, ticket);

        Assert.Equal("/login?expired=1", refused.Headers.Location?.OriginalString);
        Assert.DoesNotContain(SetCookies(refused), c => c.StartsWith(SessionsFeature.CookieName, StringComparison.Ordinal));
        Assert.Contains(Audit("session.ticket"), e => e.Outcome == "refused" && e.Detail == "ticket issued to another browser");
        Assert.Equal("/login?expired=1", afterwards.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CompleteSignIn_TicketNeverBoundToABrowser_IsRefused()
    {
        using var http = HttpSignIn.Browserless(_server);
        await HttpSignIn.BrowserValueAsync(http);

        using var response = await HttpSignIn.PostTicketAsync(http, await TicketAsync());

        Assert.Equal("/login?expired=1", response.Headers.Location?.OriginalString);
        Assert.DoesNotContain(SetCookies(response), c => c.StartsWith(SessionsFeature.CookieName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompleteSignIn_BoundTicketPostedWithoutTheBrowserCookie_IsRefused()
    {
        var ticket = await TicketAsync();
        using var http = HttpSignIn.Browserless(_server);
        Assert.True(_server.Get<PendingSignIns>().BindTicket(ticket, await HttpSignIn.BrowserValueAsync(http)));
        using var cookieless = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(_server.BaseUrl) };

        using var response = await HttpSignIn.PostTicketAsync(cookieless, ticket);

        Assert.Equal("/login?expired=1", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CompleteSignIn_ByGet_IsNotServed()
    {
        using var http = HttpSignIn.Browserless(_server);
        await HttpSignIn.BrowserValueAsync(http);

        using var response = await GetAsync(http, $"/auth/complete?ticket={Uri.EscapeDataString(await TicketAsync())}");

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        Assert.DoesNotContain(SetCookies(response), c => c.StartsWith(SessionsFeature.CookieName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task LoginPage_SetsAShortLivedStrictHttpOnlySignInBrowserCookieAndKeepsItsValue()
    {
        using var http = HttpSignIn.Browserless(_server);

        using var first = await GetAsync(http, "/login");
        using var second = await GetAsync(http, "/login");

        var cookie = Assert.Single(SetCookies(first), c => c.StartsWith(SignInBrowser.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("max-age=3600", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Matches("^nasdash.signin=[0-9A-F]{64};", cookie);
        Assert.Equal(cookie.Split(';')[0], Assert.Single(SetCookies(second), c => c.StartsWith(SignInBrowser.CookieName + "=", StringComparison.Ordinal)).Split(';')[0]);
    }

    [Fact]
    public async Task CompleteSignIn_TicketOlderThanItsLifetime_IsRefused()
    {
        var ticket = await TicketAsync();
        using var http = HttpSignIn.Browserless(_server);

        _time.Advance(PendingSignIns.TicketLifetime + TimeSpan.FromSeconds(1));
        using var response = await HttpSignIn.RedeemAsync(_server.Services, http, ticket);

        Assert.Equal("/login?expired=1", response.Headers.Location?.OriginalString);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example/phish")]
    [InlineData("https://evil.example/phish")]
    [InlineData("http:/evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/%0d%0aLocation: https://evil.example")]
    public async Task CompleteSignIn_ForeignReturnUrl_GoesToTheDashboardInstead(string returnUrl)
    {
        using var http = HttpSignIn.Browserless(_server);

        using var response = await HttpSignIn.RedeemAsync(_server.Services, http, await TicketAsync(), returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location?.OriginalString ?? "";
        Assert.StartsWith("/", location, StringComparison.Ordinal);
        Assert.False(location.StartsWith("//", StringComparison.Ordinal) || location.StartsWith("/\\", StringComparison.Ordinal));
        Assert.DoesNotContain("evil.example", new Uri(new Uri(_server.BaseUrl), location).Host, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteSignIn_AccountMovedToRecoveryAfterTheTicket_IsRefused()
    {
        var ticket = await TicketAsync();
        var account = SeededAccounts.Stored(_server.Services, "alice").StartRecovery(DateTimeOffset.UtcNow);
        _server.Get<IAccountStore>().Update(account);
        using var http = HttpSignIn.Browserless(_server);

        using var response = await HttpSignIn.RedeemAsync(_server.Services, http, ticket);

        Assert.Equal("/login?expired=1", response.Headers.Location?.OriginalString);
        Assert.Contains(Audit("session.ticket"), e => e.Detail!.Contains("lockout state", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Session_AfterConsoleUnlock_IsEnded()
    {
        using var http = await SignedInClientAsync();
        using (var before = await GetAsync(http, "/"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await SeededAccounts.ConsoleUnlockAsync(_server.Services, "alice");
        using var after = await GetAsync(http, "/");

        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/login", new Uri(new Uri(_server.BaseUrl), after.Headers.Location!).AbsolutePath);
        Assert.Contains(Audit("session.ended"), e => e.Outcome == "revoked" && e.ClientAddress == "127.0.0.1");
    }

    [Fact]
    public async Task Session_UsedWithinTheIdleTimeout_StaysAliveAndEndsAfterThirtyIdleMinutes()
    {
        using var http = await SignedInClientAsync();

        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(20));
            using var busy = await GetAsync(http, "/");
            Assert.Equal(HttpStatusCode.OK, busy.StatusCode);
        }

        _time.Advance(TimeSpan.FromMinutes(30));
        using var idle = await GetAsync(http, "/");

        Assert.Equal(HttpStatusCode.Redirect, idle.StatusCode);
        Assert.Contains(Audit("session.ended"), e => e.Outcome == "expired-idle");
    }

    [Fact]
    public async Task Session_InConstantUse_EndsAtTheAbsoluteLifetime()
    {
        using var http = await SignedInClientAsync();

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(20));
            using var busy = await GetAsync(http, "/");
            Assert.Equal(HttpStatusCode.OK, busy.StatusCode);
        }

        _time.Advance(TimeSpan.FromMinutes(20));
        using var expired = await GetAsync(http, "/");

        Assert.Equal(HttpStatusCode.Redirect, expired.StatusCode);
        Assert.Contains(Audit("session.ended"), e => e.Outcome == "expired-absolute");
    }

    [Fact]
    public async Task SignOut_WithoutAntiforgeryToken_IsRefusedAndTheSessionLives()
    {
        using var http = await SignedInClientAsync();

        using var response = await http.PostAsync(new Uri("/auth/sign-out", UriKind.Relative), new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);
        using var after = await GetAsync(http, "/");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task SignOut_SignedOutCallerWithoutAntiforgeryToken_IsRefusedWithoutTouchingCookies()
    {
        using var http = HttpSignIn.Browserless(_server);

        using var response = await http.PostAsync(new Uri("/auth/sign-out", UriKind.Relative), new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(SetCookies(response));
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "application/x-www-form-urlencoded", "__RequestVerificationToken=a\0b&x=\0" },
        { "application/x-www-form-urlencoded", new string('k', 2049) + "=v" },
        { "multipart/form-data; boundary=nasdash", "--nasdash\r\nContent-Disposition: form-data; name=\"__RequestVerificationToken\"\r\n\r\nabc" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task SignOut_MalformedBody_IsABadRequestAndTheSessionLives(string contentType, string body)
    {
        using var http = await SignedInClientAsync();
        using var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        using var response = await http.PostAsync(new Uri("/auth/sign-out", UriKind.Relative), content, TestContext.Current.CancellationToken);
        using var after = await GetAsync(http, "/");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(SetCookies(response));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task CompleteSignIn_TruncatedMultipartBody_IsABadRequest()
    {
        using var http = HttpSignIn.Browserless(_server);
        using var content = new StringContent("--nasdash\r\nContent-Disposition: form-data; name=\"ticket\"\r\n\r\nabc");
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=nasdash");

        using var response = await http.PostAsync(new Uri(SessionsFeature.CompletePath, UriKind.Relative), content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static IEnumerable<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [];

    private async Task<HttpClient> SignedInClientAsync()
    {
        var http = HttpSignIn.Browserless(_server);
        using var response = await HttpSignIn.RedeemAsync(_server.Services, http, await TicketAsync());
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        return http;
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, string path) =>
        http.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

    private Task<string> TicketAsync() => HttpSignIn.TicketAsync(_server, _alice, _time.GetUtcNow());

    private IReadOnlyList<AuditEvent> Audit(string prefix) => _server.Get<IAuditLog>().Query(new AuditQuery(EventPrefix: prefix));
}
