using Microsoft.Playwright;
using OtpNet;

namespace NasDash.SideBySide;

/// <summary>The setup wizard and the sign-in, as the appliance owner does them, by CONTRACT.md's handles.</summary>
public sealed class NasDashSteps(string dataDirectory)
{
    private const string UserName = "owner";
    private const string Password = "heron lantern quarry 42";
    private const int StepSeconds = 30;

    private byte[] _secret = [];
    private long _lastUsedStep = -1;

    /// <summary>Runs the whole wizard in a new tab of <paramref name="context"/> and leaves it on the sign-in page.</summary>
    public async Task CompleteSetupAsync(IBrowserContext context)
    {
        var page = await BrowserPages.OpenLiveAsync(context, "/setup");
        var token = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "setup-token"))).Trim();

        await FillAsync(page, "setup-token", token);
        await ButtonOf(page, "setup-next").ClickAsync();

        await InputOf(page, "setup-username").WaitForAsync();
        await FillAsync(page, "setup-username", UserName);
        await FillAsync(page, "setup-password", Password);
        await FillAsync(page, "setup-password-confirm", Password);
        await ButtonOf(page, "setup-next").ClickAsync();

        await ById(page, "totp-qr").WaitForAsync();
        var secret = await ById(page, "totp-secret").GetAttributeAsync("data-secret")
            ?? throw new InvalidOperationException("totp-secret has no data-secret attribute.");
        _secret = Base32Encoding.ToBytes(secret);
        await FillAsync(page, "totp-code", await NextCodeAsync());
        await ButtonOf(page, "totp-verify").ClickAsync();
        await ById(page, "totp-verified").WaitForAsync();
        await ButtonOf(page, "setup-next").ClickAsync();

        await ById(page, "backup-code").WaitForAsync();
        await page.RunAndWaitForDownloadAsync(() => ButtonOf(page, "backup-download-txt").ClickAsync());
        var stored = InputOf(page, "backup-saved");
        await Assertions.Expect(stored).ToBeEnabledAsync();
        await stored.CheckAsync();
        await ButtonOf(page, "setup-next").ClickAsync();

        await ButtonOf(page, "setup-finish").ClickAsync();
        await page.WaitForURLAsync("**/login");
        await BrowserPages.CloseAsync(page);
    }

    /// <summary>Password, then the authenticator's code; the session cookie then serves every tab of <paramref name="context"/>.</summary>
    public async Task SignInAsync(IBrowserContext context)
    {
        var page = await BrowserPages.OpenLiveAsync(context, "/login");
        await FillAsync(page, "login-username", UserName);
        await FillAsync(page, "login-password", Password);
        await ButtonOf(page, "login-submit").ClickAsync();
        var code = InputOf(page, "login-totp");
        await code.WaitForAsync();
        // The form submits by itself on the sixth digit.
        await code.FillAsync(await NextCodeAsync());
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("^[^?]*://[^/]+/$"));
        await BrowserPages.WaitInteractiveAsync(page);
        await BrowserPages.CloseAsync(page);
    }

    /// <summary>The code of the earliest time step after the last one used that the server accepts now (it refuses replays).</summary>
    private async Task<string> NextCodeAsync()
    {
        while (true)
        {
            var current = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / StepSeconds;
            var step = Math.Max(current, _lastUsedStep + 1);
            if (step <= current + 1)
            {
                _lastUsedStep = step;
                return new Totp(_secret, StepSeconds, OtpHashMode.Sha1, 6).ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * StepSeconds).UtcDateTime);
            }

            await Task.Delay(1000);
        }
    }

    private static ILocator ById(IPage page, string testId) => page.Locator($"[data-testid=\"{testId}\"]").First;

    private static ILocator InputOf(IPage page, string testId) =>
        page.Locator($"input[data-testid=\"{testId}\"], [data-testid=\"{testId}\"] input:not([type=hidden])").First;

    private static ILocator ButtonOf(IPage page, string testId) =>
        page.Locator($"button[data-testid=\"{testId}\"], [data-testid=\"{testId}\"] button").First;

    private static async Task FillAsync(IPage page, string testId, string text)
    {
        var input = InputOf(page, testId);
        await input.FillAsync(text);
        // MudBlazor binds on change unless Immediate: the value reaches the circuit when the field is left.
        await input.DispatchEventAsync("change");
    }
}
