using NasDash.Security;
using NasDash.Tests.Browser;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// Signs a browser in without the login page: the password and TOTP steps through the running server's
/// <see cref="SignInService"/>, then the ticket is redeemed by the browser at /auth/complete, as the login page does.
/// </summary>
public static class BrowserSignIn
{
    public static async Task SignInAsync(BrowserPage browser, AppServer server, SeededAdmin admin, string returnUrl = "/")
    {
        var signIn = server.Get<SignInService>();
        var password = await signIn.SubmitPasswordAsync(admin.UserName, admin.Password, "127.0.0.1");
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password).ChallengeId;
        var second = await signIn.SubmitTotpAsync(challenge, await admin.NextCodeAsync(server.Get<TimeProvider>()), "127.0.0.1");
        var ticket = Assert.IsType<SecondFactorResult.SignedIn>(second).SignInTicket;
        await browser.GotoAsync($"/auth/complete?ticket={Uri.EscapeDataString(ticket)}&returnUrl={Uri.EscapeDataString(returnUrl)}");
        Assert.EndsWith(returnUrl, new Uri(browser.Page.Url).PathAndQuery, StringComparison.Ordinal);
    }
}
