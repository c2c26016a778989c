using Microsoft.Playwright;
using NasDash.Tests.TestSupport;
using OtpNet;

namespace NasDash.Tests.Browser;

/// <summary>
/// Every flow with the keyboard alone (Tab, Shift+Tab, Enter, Space, typing; no click): the setup wizard, signing
/// in with an authenticator code, saving the Global Two Factor settings with the step-up code, and signing in with
/// backup codes. Every element the focus lands on on the way shows it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class KeyboardTests(Chromium chromium)
{
    // null when the focused element shows a focus indicator; otherwise what is focused.
    private const string FocusProblem = """
        () => {
            const el = document.activeElement;
            if (!el || el === document.body || el === document.documentElement) return 'nothing is focused';
            // A heading or main focused for screen readers (FocusOnNavigate, the skip link) is not a Tab stop.
            if (el.tabIndex < 0 && !el.matches('a, button, input, select, textarea, [role=button]')) return null;
            const ring = e => { const s = getComputedStyle(e); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1; };
            if (ring(el)) return null;
            // MudBlazor's outlined field shows focus as a 2 px primary border.
            const border = el.closest('.mud-input')?.querySelector('.mud-input-outlined-border');
            if (border && parseFloat(getComputedStyle(border).borderTopWidth) >= 2) return null;
            // Checkboxes, switches and radios hide their input; app.css rings the control that shows it.
            const control = el.closest('.mud-checkbox, .mud-switch, .mud-radio')?.querySelector('.mud-icon-button, .mud-switch-span');
            if (control && ring(control)) return null;
            const id = el.closest('[data-testid]')?.getAttribute('data-testid');
            return `<${el.tagName.toLowerCase()} class="${el.className}">${id ? ' in [' + id + ']' : ''} "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40)}" shows no focus`;
        }
        """;

    private const string FocusIsIn = """
        selector => { const el = document.activeElement; return !!el && el !== document.body && (el.matches(selector) || !!el.closest(selector)); }
        """;

    private static string Handle(string testId) => $"[data-testid=\"{testId}\"]";

    /// <summary>Presses Tab (or Shift+Tab) until the focus is in <paramref name="selector"/>; every stop must show focus.</summary>
    private static async Task TabToAsync(BrowserPage b, string selector, bool backwards = false, int maxPresses = 60)
    {
        for (var i = 0; i < maxPresses; i++)
        {
            if (await b.Page.EvaluateAsync<bool>(FocusIsIn, selector))
            {
                await AssertFocusVisibleAsync(b);
                return;
            }

            await b.Page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
            await AssertFocusVisibleAsync(b);
        }

        Assert.Fail($"{selector} cannot be reached with {(backwards ? "Shift+Tab" : "Tab")} on {b.Page.Url}.");
    }

    private static async Task AssertFocusVisibleAsync(BrowserPage b)
    {
        var problem = await b.Page.EvaluateAsync<string?>(FocusProblem);
        if (problem is not null && problem != "nothing is focused")
        {
            Assert.Fail($"{b.Page.Url}: {problem}");
        }
    }

    private static async Task TypeInAsync(BrowserPage b, string testId, string text)
    {
        await TabToAsync(b, Handle(testId));
        await b.Page.Keyboard.PressAsync("Control+A");
        await b.Page.Keyboard.TypeAsync(text);
    }

    private static async Task PressOnAsync(BrowserPage b, string testId, string key = "Enter")
    {
        var target = b.ButtonOf(testId);
        await Assertions.Expect(target).ToBeEnabledAsync();
        await TabToAsync(b, Handle(testId));
        await b.Page.Keyboard.PressAsync(key);
    }

    [Fact]
    public async Task SetupSignInSettingsAndBackupCodes_KeyboardOnly_CompleteWithFocusAlwaysVisible()
    {
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(SetupSignInSettingsAndBackupCodes_KeyboardOnly_CompleteWithFocusAlwaysVisible), async b =>
        {
            await b.GotoAsync("/setup");

            // Setup: the skip link first, then token, administrator, authenticator, codes, review.
            await TabToAsync(b, ".nd-skip-link");
            await TypeInAsync(b, "setup-token", await SetupDriver.ReadTokenAsync(server));
            await PressOnAsync(b, "setup-next");
            await b.InputOf("setup-username").WaitForAsync();
            await TypeInAsync(b, "setup-username", SetupDriver.DefaultUserName);
            await TypeInAsync(b, "setup-password", TestPasswords.Default);
            await TypeInAsync(b, "setup-password-confirm", TestPasswords.Default);
            // Back to the show-password switch and on again: Shift+Tab reaches it too.
            await TabToAsync(b, Handle("setup-password"), backwards: true);
            await PressOnAsync(b, "setup-next");

            await b.ById("totp-qr").WaitForAsync();
            var secret = await b.ById("totp-secret").GetAttributeAsync("data-secret") ?? "";
            var (code, step) = await TotpCodes.NextAsync(Base32Encoding.ToBytes(secret), -1);
            await TypeInAsync(b, "totp-code", code);
            await b.Page.Keyboard.PressAsync("Enter");
            await b.ById("totp-verified").WaitForAsync();
            await PressOnAsync(b, "setup-next");

            await b.ById("backup-code").First.WaitForAsync();
            var codes = await b.TextsOfAsync("backup-code");
            await TabToAsync(b, Handle("backup-download-txt"));
            await b.Page.RunAndWaitForDownloadAsync(() => b.Page.Keyboard.PressAsync("Enter"));
            await Assertions.Expect(b.InputOf("backup-saved")).ToBeEnabledAsync();
            await TabToAsync(b, Handle("backup-saved"));
            await b.Page.Keyboard.PressAsync("Space");
            await Assertions.Expect(b.InputOf("backup-saved")).ToBeCheckedAsync();
            await PressOnAsync(b, "setup-next");

            await b.ButtonOf("setup-finish").WaitForAsync();
            await PressOnAsync(b, "setup-finish");
            await b.WaitForUrlAsync("/login");
            await b.WaitInteractiveAsync();
            var owner = new SetupAdministrator(SetupDriver.DefaultUserName, TestPasswords.Default, secret, codes, step);

            // Sign in with the authenticator code: the field submits itself on six digits.
            await TypeInAsync(b, "login-username", owner.UserName);
            await TypeInAsync(b, "login-password", owner.Password);
            await b.Page.Keyboard.PressAsync("Enter");
            await b.InputOf("login-totp").WaitForAsync();
            await TypeInAsync(b, "login-totp", await owner.NextCodeAsync());
            await b.WaitForUrlAsync("^[^?]*://[^/]+/$");
            await b.WaitInteractiveAsync();

            // Global Two Factor settings, reached through the menu, saved after the step-up code.
            await TabToAsync(b, "a[href=\"/settings/two-factor\"]");
            await b.Page.Keyboard.PressAsync("Enter");
            await b.WaitForUrlAsync("/settings/two-factor$");
            await b.WaitInteractiveAsync();
            await b.InputOf("tf-window").WaitForAsync();
            await TypeInAsync(b, "tf-window", "2");
            await PressOnAsync(b, "tf-save");
            await b.InputOf("tf-step-up").WaitForAsync();
            await TypeInAsync(b, "tf-step-up", await owner.NextCodeAsync());
            await PressOnAsync(b, "tf-step-up-confirm");
            await Assertions.Expect(b.ButtonOf("tf-save")).ToBeDisabledAsync();
            Assert.Equal(2, server.Get<ISettingsStore>().Get().TwoFactor.TotpWindow);

            // Sign in again with backup codes instead of the app.
            await b.Context.ClearCookiesAsync();
            await b.GotoAsync("/login");
            await TypeInAsync(b, "login-username", owner.UserName);
            await TypeInAsync(b, "login-password", owner.Password);
            await b.Page.Keyboard.PressAsync("Enter");
            await b.InputOf("login-totp").WaitForAsync();
            await PressOnAsync(b, "use-backup-codes");
            await b.InputOf("backup-input-1").WaitForAsync();
            await TypeInAsync(b, "backup-input-1", codes[0]);
            await TypeInAsync(b, "backup-input-2", codes[1]);
            await PressOnAsync(b, "backup-submit");
            await b.WaitForUrlAsync("^[^?]*://[^/]+/(enrol)?$");
        });
    }
}
