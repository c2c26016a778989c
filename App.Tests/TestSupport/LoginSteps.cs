using Microsoft.Playwright;
using NasDash.Tests.Browser;
using OtpNet;

namespace NasDash.Tests.TestSupport;

/// <summary>What a person does on the login and enrolment pages, by CONTRACT.md's handles.</summary>
public static class LoginSteps
{
    public static async Task EnterPasswordAsync(this BrowserPage b, string userName, string password)
    {
        if (!b.Page.Url.Contains("/login", StringComparison.Ordinal))
        {
            await b.GotoAsync("/login");
        }

        // Already on /login after a redirect: typing before the circuit is live would land in prerendered HTML.
        await b.WaitInteractiveAsync();
        await b.InputOf("login-password").WaitForAsync();
        await b.FillAsync("login-username", userName);
        await b.FillAsync("login-password", password);
        await b.ClickAsync("login-submit");
    }

    /// <summary>Password, then the TOTP form is expected.</summary>
    public static async Task ReachTotpAsync(this BrowserPage b, SeededAccount account)
    {
        await b.EnterPasswordAsync(account.UserName, account.Password);
        await b.InputOf("login-totp").WaitForAsync();
    }

    /// <summary>Password, then "Lost your authenticator?": the backup-code form.</summary>
    public static async Task ReachBackupCodesAsync(this BrowserPage b, SeededAccount account)
    {
        await b.ReachTotpAsync(account);
        await b.ClickAsync("use-backup-codes");
        await b.InputOf("backup-input-1").WaitForAsync();
    }

    /// <summary>Types the code; the form submits by itself on six digits.</summary>
    public static async Task EnterTotpAsync(this BrowserPage b, string code) => await b.InputOf("login-totp").FillAsync(code);

    public static async Task SubmitBackupCodesAsync(this BrowserPage b, params string[] codes)
    {
        for (var i = 0; i < codes.Length; i++)
        {
            await b.FillAsync($"backup-input-{i + 1}", codes[i]);
        }

        await b.ClickAsync("backup-submit");
    }

    public static async Task<string> ErrorAsync(this BrowserPage b)
    {
        await b.ById("login-error").First.WaitForAsync();
        return await b.TextOfAsync("login-error");
    }

    /// <summary>After the password of a reset or new account: the one-time enrolment code.</summary>
    public static async Task EnterEnrolmentCodeAsync(this BrowserPage b, string code)
    {
        await b.InputOf("enrol-code").WaitForAsync();
        await b.FillAsync("enrol-code", code);
        await b.ClickAsync("enrol-code-submit");
    }

    /// <summary>The forced enrolment at /enrol: verify a code for the new secret, download and confirm the codes, finish.</summary>
    public static async Task<(string SecretBase32, IReadOnlyList<string> Codes, string Download)> EnrolAsync(this BrowserPage b)
    {
        await b.WaitForUrlAsync("/enrol$");
        await b.WaitInteractiveAsync();
        var secret = await b.ById("totp-secret").GetAttributeAsync("data-secret") ?? throw new InvalidOperationException("No secret shown.");
        await b.FillAsync("totp-code", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp());
        await b.ClickAsync("totp-verify");
        await b.ById("totp-verified").WaitForAsync();
        await b.ById("backup-code").First.WaitForAsync();
        var codes = await b.TextsOfAsync("backup-code");
        var (_, content) = await b.DownloadAsync("backup-download-txt");
        await b.ById("backup-saved").First.ClickAsync();
        await b.Page.Locator("[data-testid=enrol-finish]:not([disabled])").WaitForAsync();
        await b.ClickAsync("enrol-finish");
        return (secret, codes, content);
    }

    /// <summary>The user menu's sign-out (a form post with antiforgery), ending on the login page.</summary>
    public static async Task SignOutAsync(this BrowserPage b)
    {
        await b.ClickAsync("user-menu");
        await b.ButtonOf("sign-out").ClickAsync();
        await b.WaitForUrlAsync("/login$");
        await b.WaitInteractiveAsync();
    }

    public static Task WaitForDashboardAsync(this BrowserPage b) => b.WaitForUrlAsync("^[^?]*://[^/]+/$");

    /// <summary>A six-digit code right for no step the verifier looks at, the clock-off range (±2 h) included.</summary>
    public static string WrongCode(SeededAccount account)
    {
        var now = DateTimeOffset.UtcNow;
        var reach = NasDash.Security.Accounts.TotpVerifier.SkewSteps + 5;
        var valid = Enumerable.Range(-reach, 2 * reach + 1).Select(k => account.TotpAt(now.AddSeconds(30 * k))).ToHashSet();
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !valid.Contains(c));
    }

    public static Task<bool> IsVisibleAsync(this BrowserPage b, string testId) => b.ById(testId).First.IsVisibleAsync();

    public static ILocator Handle(this BrowserPage b, string testId) => b.ById(testId).First;
}
