using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Login;

/// <summary>
/// Not a check: saves a screenshot of every login state at desktop and phone width, light and dark, for a person to
/// look at (bin/…/screenshots/login-*.png). Run explicitly: --filter-class '*LoginScreenshotTests' --explicit only.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LoginScreenshotTests(Chromium chromium)
{
    [Theory(Explicit = true)]
    [InlineData("desktop", 1280, 860, false)]
    [InlineData("desktop", 1280, 860, true)]
    [InlineData("phone", 390, 844, false)]
    [InlineData("phone", 390, 844, true)]
    public async Task LoginStates_Screenshots(string device, int width, int height, bool dark)
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        var bob = SeededAccounts.Create(server.Services, "bob");
        SeededAccounts.Create(server.Services, "carol");
        var dave = SeededAccounts.Create(server.Services, "dave");
        SeededAccounts.ConfigureTwoFactor(server.Services, s => s with { MaxFailedBackupSubmissions = 3, SshTwoFactor = true });
        var prefix = $"login-{device}-{(dark ? "dark" : "light")}";
        await using var b = await BrowserPage.OpenAsync(chromium, server, width, height, dark);
        async Task Shot(string name)
        {
            await b.Page.WaitForTimeoutAsync(400);
            await b.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, $"{prefix}-{name}.png") });
        }

        await b.RunAsync(prefix, async b =>
        {
            await b.GotoAsync("/login");
            await Shot("01-password");
            await b.EnterPasswordAsync("alice", "wrong password");
            await b.ErrorAsync();
            await Shot("02-password-error");

            await b.ReachTotpAsync(alice);
            await Shot("03-totp");
            await b.EnterTotpAsync(LoginSteps.WrongCode(alice));
            await b.ErrorAsync();
            await Shot("04-totp-error");

            await b.ClickAsync("use-backup-codes");
            await b.InputOf("backup-input-1").WaitForAsync();
            await Shot("05-backup-codes");
            await b.SubmitBackupCodesAsync("AAAA-BBBB-CCCC-DDDD", "eeee ffff gggg hhhh");
            await b.Handle("lockout-dialog").WaitForAsync();
            await Shot("06-lockout-dialog");
            await b.SubmitBackupCodesAsync("AAAA-BBBB-CCCC-DDDD", "eeee ffff gggg hhhh");
            await b.Page.Locator("[data-testid=lockout-dialog]", new() { HasTextString = "last try" }).WaitForAsync();
            await Shot("07-lockout-dialog-last-try");
            await b.SubmitBackupCodesAsync("AAAA-BBBB-CCCC-DDDD", "eeee ffff gggg hhhh");
            await b.Handle("super-lockout").WaitForAsync();
            await Shot("08-super-lockout");

            await b.GotoAsync("/login");
            await b.ReachTotpAsync(bob);
            for (var i = 0; i < 5; i++)
            {
                await b.EnterTotpAsync(LoginSteps.WrongCode(bob));
                await b.Page.WaitForTimeoutAsync(300);
            }

            await b.Handle("recovery-reason").WaitForAsync();
            await Shot("09-recovery-reason");

            await b.GotoAsync("/login");
            for (var i = 0; i < 5; i++)
            {
                await b.EnterPasswordAsync("carol", "wrong password");
                await b.Page.WaitForTimeoutAsync(300);
            }

            await b.Handle("login-throttled").WaitForAsync();
            await Shot("10-throttled");
            await b.ClickAsync("use-enrolment-code");
            await b.InputOf("enrol-code").WaitForAsync();
            await Shot("10b-enrolment-code-sign-in");
            await b.FillAsync("login-username", "carol");
            await b.FillAsync("enrol-code", "ABCD-EFGH-JKMN-PQRS");
            await b.FillAsync("login-password", "a password");
            await b.ClickAsync("enrol-code-submit");
            await b.ErrorAsync();
            await Shot("10c-enrolment-code-refused");

            await b.GotoAsync("/login");
            await b.ReachBackupCodesAsync(dave);
            await b.SubmitBackupCodesAsync(dave.Codes[0], dave.Codes[1]);
            await b.WaitForUrlAsync("/enrol$");
            await b.WaitInteractiveAsync();
            await Shot("11-enrol");
            var (_, _, _) = await b.EnrolAsync();
            await b.WaitForDashboardAsync();
            await b.WaitInteractiveAsync();
            await b.ClickAsync("user-menu");
            await b.ButtonOf("sign-out").WaitForAsync();
            await Shot("12-user-menu");
        });
    }
}
