using NasDash.Tests.Browser;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// Signs a browser in without typing into the login page: the password and TOTP steps through the running server's
/// <see cref="SignInService"/>, then the browser redeems the ticket as the login page's circuit makes it do: bound to
/// this browser's sign-in value, posted to /auth/complete.
/// </summary>
public static class BrowserSignIn
{
    public static async Task SignInAsync(BrowserPage browser, AppServer server, SeededAdmin admin, string returnUrl = "/")
    {
        var signIn = server.Get<SignInService>();
        var password = await signIn.SubmitPasswordAsync(admin.UserName, admin.Password, "127.0.0.1");
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password).ChallengeId;
        var second = await signIn.SubmitTotpAsync(challenge, await admin.NextCodeAsync(server.Get<TimeProvider>()), "127.0.0.1");
        await RedeemAsync(browser, server, Assert.IsType<SecondFactorResult.SignedIn>(second).SignInTicket, returnUrl);
        Assert.EndsWith(returnUrl, new Uri(browser.Page.Url).PathAndQuery, StringComparison.Ordinal);
    }

    /// <summary>Opens /login (which gives the browser its sign-in value), binds the ticket to that value and posts it.</summary>
    public static async Task RedeemAsync(BrowserPage browser, AppServer server, string ticket, string returnUrl = "/")
    {
        await browser.GotoAsync("/login");
        var value = Assert.Single(await browser.Context.CookiesAsync(),
            c => c.Name is SignInBrowser.CookieName or HostPrefixedCookies.Prefix + SignInBrowser.CookieName).Value;
        Assert.True(server.Get<PendingSignIns>().BindTicket(ticket, value));
        var loginUrl = browser.Page.Url;
        var left = browser.Page.WaitForURLAsync(url => url != loginUrl);
        await browser.Page.EvaluateAsync(
            """
            ([action, ticket, returnUrl]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                for (const [name, value] of [["ticket", ticket], ["returnUrl", returnUrl]]) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }
            """, new[] { SessionsFeature.CompletePath, ticket, returnUrl });
        await left;
        // Typing before the landing page's circuit is live would be lost.
        await browser.WaitInteractiveAsync();
    }
}
