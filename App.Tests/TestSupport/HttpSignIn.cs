using System.Net;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Tests.Browser;

namespace NasDash.Tests.TestSupport;

/// <summary>Signs a seeded account in through the running server's sign-in service and cookie endpoint, without a browser.</summary>
public static class HttpSignIn
{
    public const string Client = "127.0.0.1";

    /// <summary>Password and the current TOTP code: a ticket for the cookie endpoint.</summary>
    public static async Task<string> TicketAsync(AppServer server, SeededAccount account, DateTimeOffset now)
    {
        var signIns = server.Get<SignInService>();
        var password = await signIns.SubmitPasswordAsync(account.UserName, account.Password, Client);
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password).ChallengeId;
        var totp = await signIns.SubmitTotpAsync(challenge, account.TotpAt(now), Client);
        return Assert.IsType<SecondFactorResult.SignedIn>(totp).SignInTicket;
    }

    /// <summary>A client that keeps cookies and shows redirects instead of following them.</summary>
    public static HttpClient Browserless(AppServer server, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = new Uri(server.BaseUrl),
        };

    /// <summary>
    /// What the login page's circuit does with a ticket: binds it to this client's sign-in browser value (from the
    /// cookie a GET of /login gives it), then posts it to /auth/complete.
    /// </summary>
    public static async Task<HttpResponseMessage> RedeemAsync(IServiceProvider server, HttpClient http, string ticket, string returnUrl = "/")
    {
        Assert.True(server.GetRequiredService<PendingSignIns>().BindTicket(ticket, await BrowserValueAsync(http)));
        return await PostTicketAsync(http, ticket, returnUrl);
    }

    /// <summary>Password, TOTP, then the ticket redeemed by this client.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(AppServer server, HttpClient http, SeededAccount account, DateTimeOffset now) =>
        await RedeemAsync(server.Services, http, await TicketAsync(server, account, now));

    /// <summary>The sign-in browser value the login page gives this client (which keeps it as a cookie).</summary>
    public static async Task<string> BrowserValueAsync(HttpClient http)
    {
        using var login = await http.GetAsync(new Uri("/login", UriKind.Relative), TestContext.Current.CancellationToken);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c =>
            c.StartsWith(SignInBrowser.CookieName + "=", StringComparison.Ordinal) ||
            c.StartsWith(HostPrefixedCookies.Prefix + SignInBrowser.CookieName + "=", StringComparison.Ordinal));
        return cookie.Split(';')[0].Split('=', 2)[1];
    }

    /// <summary>Posts the ticket as the page's form does: the browser names the page's origin.</summary>
    public static async Task<HttpResponseMessage> PostTicketAsync(HttpClient http, string ticket, string returnUrl = "/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(SessionsFeature.CompletePath, UriKind.Relative))
        {
            Content = new FormUrlEncodedContent([new("ticket", ticket), new("returnUrl", returnUrl)]),
        };
        request.Headers.Add("Origin", http.BaseAddress!.GetLeftPart(UriPartial.Authority));
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
