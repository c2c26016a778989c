using System.Net;
using NasDash.Security;
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

    public static Task<HttpResponseMessage> RedeemAsync(HttpClient http, string ticket, string returnUrl = "/") =>
        http.GetAsync(new Uri($"/auth/complete?ticket={Uri.EscapeDataString(ticket)}&returnUrl={Uri.EscapeDataString(returnUrl)}", UriKind.Relative), TestContext.Current.CancellationToken);
}
