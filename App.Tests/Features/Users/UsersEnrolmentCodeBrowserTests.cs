using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Users;

/// <summary>
/// The enrolment code an administrator gets on /users (a reset, a new administrator), in Chromium: shown once in
/// the dialog; the password alone shows no QR code; a wrong code is refused and counted; the code enrols once.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class UsersEnrolmentCodeBrowserTests(Chromium chromium)
{
    private const string NewPassword = "a new administrator's long passphrase";

    [Fact]
    public async Task AdministratorsReset_FreshBrowserWithThePassword_IsAskedForTheShownCodeWhichEnrolsOnce()
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        var bob = TestAdministrators.Seed(server.Services, "bob");
        await using var admin = await BrowserPage.OpenAsync(chromium, server);
        await using var first = await BrowserPage.OpenAsync(chromium, server);
        await using var second = await BrowserPage.OpenAsync(chromium, server);
        await admin.RunAsync(nameof(AdministratorsReset_FreshBrowserWithThePassword_IsAskedForTheShownCodeWhichEnrolsOnce), async a =>
        {
            await BrowserSignIn.SignInAsync(a, server, alice, "/users");
            await a.WaitInteractiveAsync();
            await RowOf(a, "bob").Locator("[data-testid=user-actions] button").ClickAsync();
            await a.ById("user-reset-2fa").ClickAsync();
            await a.FillAsync("tf-step-up", await alice.NextCodeAsync(TimeProvider.System));
            await a.ClickAsync("tf-step-up-confirm");
            var code = await TakeTheCodeShownOnceAsync(a, server, "bob");

            await EnrolsOnceAsync(server, "bob", bob.Password, code, first, second);
        });
    }

    [Fact]
    public async Task NewAdministrator_FreshBrowserWithThePassword_IsAskedForTheShownCodeWhichEnrolsOnce()
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        await using var admin = await BrowserPage.OpenAsync(chromium, server);
        await using var first = await BrowserPage.OpenAsync(chromium, server);
        await using var second = await BrowserPage.OpenAsync(chromium, server);
        await admin.RunAsync(nameof(NewAdministrator_FreshBrowserWithThePassword_IsAskedForTheShownCodeWhichEnrolsOnce), async a =>
        {
            await BrowserSignIn.SignInAsync(a, server, alice, "/users");
            await a.WaitInteractiveAsync();
            await a.ClickAsync("users-create");
            await a.FillAsync("users-new-username", "erin");
            await a.FillAsync("users-new-password", NewPassword);
            await a.FillAsync("users-new-password-confirm", NewPassword);
            // A forced password change would come after the enrolment; this test is about the enrolment code.
            await a.Page.GetByRole(AriaRole.Checkbox, new PageGetByRoleOptions { Name = "Must choose a new password at first sign-in" }).UncheckAsync();
            await a.ClickAsync("users-create-continue");
            await a.FillAsync("tf-step-up", await alice.NextCodeAsync(TimeProvider.System));
            await a.ClickAsync("tf-step-up-confirm");
            var code = await TakeTheCodeShownOnceAsync(a, server, "erin");

            await EnrolsOnceAsync(server, "erin", NewPassword, code, first, second);
        });
    }

    private static ILocator RowOf(BrowserPage b, string user) =>
        b.ById("users-table").Locator("tbody tr").Filter(new LocatorFilterOptions
        {
            Has = b.Page.Locator("[data-testid=user-name]", new PageLocatorOptions { HasTextString = user }),
        });

    /// <summary>Reads the code from the dialog, closes it, and checks that /users never shows it again.</summary>
    private static async Task<string> TakeTheCodeShownOnceAsync(BrowserPage a, AppServer server, string user)
    {
        await a.ById("users-enrolment-code").WaitForAsync();
        var code = await a.TextOfAsync("users-enrolment-code");
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$", code);
        Assert.True(SeededAccounts.Stored(server.Services, user).EnrolmentCode.Matches(BackupCodes.Normalize(code)!),
            $"The dialog showed {code}, not the enrolment code of {user}.");

        await a.ClickAsync("users-enrolment-code-done");
        await Assertions.Expect(a.ById("users-enrolment-code")).ToHaveCountAsync(0);
        await a.GotoAsync("/users");
        await a.WaitInteractiveAsync();
        await Assertions.Expect(RowOf(a, user)).ToHaveCountAsync(1);
        Assert.Equal(0, await a.ById("users-enrolment-code").CountAsync());
        Assert.DoesNotContain(code, await a.Page.ContentAsync(), StringComparison.Ordinal);
        return code;
    }

    private static async Task EnrolsOnceAsync(AppServer server, string user, string password, string code, BrowserPage first, BrowserPage second)
    {
        await first.EnterPasswordAsync(user, password);
        await first.InputOf("enrol-code").WaitForAsync();
        Assert.Equal(0, await first.ById("totp-qr").CountAsync());
        Assert.Equal(0, await first.ById("totp-secret").CountAsync());
        Assert.Equal(0, SeededAccounts.Stored(server.Services, user).BackupFailures);

        await first.EnterEnrolmentCodeAsync(code == "ABCD-EFGH-JKMN-PQRS" ? "ABCD-EFGH-JKMN-PQRT" : "ABCD-EFGH-JKMN-PQRS");
        Assert.Contains("not correct", await first.ErrorAsync(), StringComparison.Ordinal);
        Assert.Equal(1, SeededAccounts.Stored(server.Services, user).BackupFailures);
        Assert.Equal(0, await first.ById("totp-qr").CountAsync());

        await first.EnterEnrolmentCodeAsync(code);
        await first.WaitForUrlAsync("/enrol$");

        // The same code again, from another browser with the password, while the first one enrols: refused.
        await second.EnterPasswordAsync(user, password);
        await second.EnterEnrolmentCodeAsync(code);
        Assert.Contains("already used", await second.ErrorAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await second.ById("totp-qr").CountAsync());

        await first.EnrolAsync();
        await first.WaitForDashboardAsync();
        var stored = SeededAccounts.Stored(server.Services, user);
        Assert.True(stored.SecondFactor.IsEnrolled);
        Assert.False(stored.EnrolmentCode.IsIssued);
    }
}
