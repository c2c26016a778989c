using Microsoft.Playwright;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class AdministrationBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task TwoFactorSettings_ChangeMTo3WithStepUp_RecoveryAsksFor3Codes()
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(TwoFactorSettings_ChangeMTo3WithStepUp_RecoveryAsksFor3Codes), async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice, "/settings/two-factor");
            await b.FillAsync("tf-required-codes", "3");
            await b.ClickAsync("tf-save");
            await b.FillAsync("tf-step-up", await alice.NextCodeAsync(TimeProvider.System));
            await b.ClickAsync("tf-step-up-confirm");
            await Assertions.Expect(b.ButtonOf("tf-save")).ToBeDisabledAsync();

            Assert.Equal(3, server.Get<ISettingsStore>().Get().TwoFactor.RequiredCodesAtRecovery);
            await b.GotoAsync("/settings/two-factor");
            Assert.Equal("3", await b.InputOf("tf-required-codes").InputValueAsync());
        });

        // The login page is not on main yet: the recovery prompt is checked at the sign-in service it branches on.
        var step = await server.Get<SignInService>().SubmitPasswordAsync("alice", alice.Password, "127.0.0.1", TestContext.Current.CancellationToken);
        Assert.Equal(3, Assert.IsType<PasswordStepResult.SecondFactorRequired>(step).RequiredCodes);
    }

    [Fact]
    public async Task TwoFactorSettings_InvalidCombination_IsRefusedAndNothingSaved()
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(TwoFactorSettings_InvalidCombination_IsRefusedAndNothingSaved), async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice, "/settings/two-factor");
            await b.FillAsync("tf-code-count", "4");
            await b.FillAsync("tf-required-codes", "5");
            await b.ClickAsync("tf-save");

            await Assertions.Expect(b.ById("tf-refused")).ToContainTextAsync("Not saved");
            await Assertions.Expect(b.Page.GetByText("Recovery cannot ask for more codes than each user is given.")).ToBeVisibleAsync();
            await Assertions.Expect(b.Page.GetByText("Each user must get between 5 and 20 backup codes.")).ToBeVisibleAsync();
            Assert.Equal(0, await b.ById("tf-step-up").CountAsync());
            Assert.Equal(TwoFactorSettings.Defaults, server.Get<ISettingsStore>().Get().TwoFactor);
        });
    }

    [Fact]
    public async Task Account_RegenerateCodes_ReplacesTheBatchAfterDownloadAndConfirmation_ThisPageStaysHerOtherBrowserLeaves()
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await using var otherBrowser = await BrowserPage.OpenAsync(chromium, server, dark: true);
        await browser.RunAsync(nameof(Account_RegenerateCodes_ReplacesTheBatchAfterDownloadAndConfirmation_ThisPageStaysHerOtherBrowserLeaves), async b =>
        {
            await BrowserSignIn.SignInAsync(otherBrowser, server, alice, "/");
            await otherBrowser.WaitInteractiveAsync();
            await BrowserSignIn.SignInAsync(b, server, alice, "/account");
            await b.ClickAsync("account-new-codes");
            await b.FillAsync("tf-step-up", await alice.NextCodeAsync(TimeProvider.System));
            await b.ClickAsync("tf-step-up-confirm");
            await Assertions.Expect(b.ById("backup-code")).ToHaveCountAsync(10);
            var shown = await b.TextsOfAsync("backup-code");
            await Assertions.Expect(b.ButtonOf("account-codes-finish")).ToBeDisabledAsync();

            var (fileName, content) = await b.DownloadAsync("backup-download-txt");
            Assert.Equal("nasdash-backup-codes-nas-test-alice.txt", fileName);
            Assert.All(shown, code => Assert.Contains(code, content, StringComparison.Ordinal));
            await b.InputOf("backup-saved").CheckAsync();
            await b.ClickAsync("account-codes-finish");

            // The change rotated her stamp: her other browser's open page leaves at once; this one renews its cookie and stays.
            await otherBrowser.WaitForUrlAsync("/login");
            await b.WaitForUrlAsync("/account$");
            await b.WaitInteractiveAsync();
            await Assertions.Expect(b.ById("account-codes-left")).ToContainTextAsync("A set of 10 codes, made");
            await Assertions.Expect(b.ById("account-codes-rule")).ToHaveTextAsync(BackupCodeFiles.RecoveryRule(2));
            var stored = server.Get<IAccountStore>().FindByName("alice")!;
            Assert.NotNull(BackupCodes.Match(stored.SecondFactor.BackupCodes!, [BackupCodes.Normalize(shown[0])!, BackupCodes.Normalize(shown[1])!]));
            Assert.Null(BackupCodes.Match(stored.SecondFactor.BackupCodes!, [BackupCodes.Normalize(alice.Codes[0])!, BackupCodes.Normalize(alice.Codes[1])!]));
        });
    }

    [Fact]
    public async Task AdminPages_PhoneAndDesktopInLightAndDark_FitTheViewport()
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        TestAdministrators.Seed(server.Services, "bob");
        var carol = TestAdministrators.Seed(server.Services, "carol");
        TestAdministrators.SeedUnenrolled(server.Services, "dave");
        TestAdministrators.Adjust(server.Services, carol.Id, a => a.SuperLock(DateTimeOffset.UtcNow));
        server.Get<IAlertStore>().Raise("ssh-disabled", AlertSeverity.Critical, "SSH login was disabled after a lockout event of carol.", "/services/ssh");
        server.Get<NasDash.Features.Alerts.AlertRules>().Evaluate();
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(AdminPages_PhoneAndDesktopInLightAndDark_FitTheViewport), async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice);
            foreach (var (width, height, dark) in new[] { (1280, 900, false), (1280, 900, true), (390, 844, false), (390, 844, true) })
            {
                await b.Page.SetViewportSizeAsync(width, height);
                await b.Page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light });
                var variant = $"{width}-{(dark ? "dark" : "light")}";
                foreach (var (name, path) in new[] { ("dashboard", "/"), ("two-factor", "/settings/two-factor"), ("users", "/users"), ("account", "/account"), ("alerts", "/alerts"), ("audit", "/audit") })
                {
                    await b.GotoAsync(path);
                    await b.Page.WaitForTimeoutAsync(400);
                    await b.ScreenshotAsync($"admin-{name}-{variant}");
                    var overflow = await b.Page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
                    Assert.True(overflow <= 0, $"{path} at {variant} is {overflow}px wider than the viewport");
                }

                await b.GotoAsync("/settings/two-factor");
                await b.FillAsync("tf-required-codes", "3");
                await b.ClickAsync("tf-save");
                await b.ById("tf-step-up").WaitForAsync();
                await b.ScreenshotAsync($"admin-two-factor-preview-{variant}");

                await b.GotoAsync("/users");
                await b.Page.Locator("[data-testid=user-actions] button").Nth(1).ClickAsync();
                await b.ById("user-reset-2fa").ClickAsync();
                await b.ById("tf-step-up").WaitForAsync();
                await b.ScreenshotAsync($"admin-users-reset-{variant}");
            }
        });
    }
}
