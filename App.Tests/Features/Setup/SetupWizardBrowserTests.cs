using System.Text.Json;
using Microsoft.Playwright;
using NasDash.Features.Setup;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Setup;

/// <summary>The first-run wizard end to end, in headless Chromium against the app on a loopback port.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SetupWizardBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task Wizard_FreshAppliance_AdministratorEnrolledAndCanSignIn()
    {
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(Wizard_FreshAppliance_AdministratorEnrolledAndCanSignIn), async b =>
        {
            await b.GotoAsync("/");
            Assert.EndsWith("/setup", b.Page.Url, StringComparison.Ordinal);

            await SetupDriver.EnterTokenAsync(b, "0000-0000-0000-0000-0000-0000");
            await Assertions.Expect(b.FieldOf("setup-token")).ToContainTextAsync("not the setup token");
            await b.ScreenshotAsync("setup-token-wrong");
            await b.FillAsync("setup-token", (await SetupDriver.ReadTokenAsync(server)).ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal));
            await b.ClickAsync("setup-next");

            await SetupDriver.EnterAdministratorAsync(b, "owner", "owner-password-2026");
            await Assertions.Expect(b.FieldOf("setup-password")).ToContainTextAsync("must not contain the user name");
            await b.ScreenshotAsync("setup-administrator-invalid");
            await b.FillAsync("setup-password", TestPasswords.Default);
            await b.FillAsync("setup-password-confirm", TestPasswords.Default);
            await b.ClickAsync("setup-next");

            await Assertions.Expect(b.ById("totp-qr").Locator("svg")).ToBeVisibleAsync();
            await Assertions.Expect(b.ButtonOf("setup-next")).ToBeDisabledAsync();
            var shownSecret = await b.TextOfAsync("totp-secret");
            await Assertions.Expect(b.Page.Locator("body")).ToContainTextAsync("NasDash (nas-test) · owner");
            var (secret, step) = await SetupDriver.VerifyAuthenticatorAsync(b);
            Assert.Equal(string.Join(' ', secret.Chunk(4).Select(c => new string(c))), shownSecret);

            await b.ById("backup-code").First.WaitForAsync();
            var codes = await b.TextsOfAsync("backup-code");
            Assert.Equal(10, codes.Count);
            Assert.All(codes, code => Assert.Matches("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$", code));
            await Assertions.Expect(b.ButtonOf("setup-next")).ToBeDisabledAsync();
            await Assertions.Expect(b.InputOf("backup-saved")).ToBeDisabledAsync();
            Assert.Equal(0, await b.ById("setup-finish").CountAsync());

            var (textName, text) = await b.DownloadAsync("backup-download-txt");
            Assert.Equal("nasdash-backup-codes-nas-test-owner.txt", textName);
            Assert.Equal(codes, text.Split('\n').Select(l => l.Trim()).Where(l => l.Length == 19 && l[4] == '-').ToList());
            Assert.Contains("User: owner", text, StringComparison.Ordinal);
            Assert.Contains("Host: nas-test", text, StringComparison.Ordinal);
            Assert.Contains("type 2 codes from this sheet together", text, StringComparison.Ordinal);
            Assert.Contains($"URL: {server.BaseUrl}/", text, StringComparison.Ordinal);
            Assert.Contains("choose \"Use backup codes\"", text, StringComparison.Ordinal);
            Assert.Contains(BackupCodeFiles.RecoveryRule(2), text, StringComparison.Ordinal);
            Assert.DoesNotContain("works once", text, StringComparison.OrdinalIgnoreCase);
            await Assertions.Expect(b.ById("backup-codes-rule")).ToContainTextAsync(BackupCodeFiles.RecoveryRule(2));
            Assert.DoesNotContain("works once", await b.Page.InnerTextAsync("main"), StringComparison.OrdinalIgnoreCase);

            var (jsonName, json) = await b.DownloadAsync("backup-download-json");
            Assert.Equal("nasdash-backup-codes-nas-test-owner.json", jsonName);
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            Assert.Equal("nasdash-backup-codes", root.GetProperty("format").GetString());
            Assert.Equal(1, root.GetProperty("version").GetInt32());
            Assert.Equal("nas-test", root.GetProperty("host").GetString());
            Assert.Equal("owner", root.GetProperty("user").GetString());
            Assert.Equal(server.BaseUrl + "/", root.GetProperty("url").GetString());
            Assert.Equal(2, root.GetProperty("requiredAtRecovery").GetInt32());
            Assert.Equal(BackupCodeFiles.RecoveryRule(2), root.GetProperty("recovery").GetString());
            Assert.True(DateTimeOffset.TryParse(root.GetProperty("generatedAt").GetString(), out _));
            Assert.Equal(codes, root.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToList());

            await Assertions.Expect(b.ButtonOf("setup-next")).ToBeDisabledAsync();
            await SetupDriver.CheckStoredAsync(b);
            await Assertions.Expect(b.ButtonOf("setup-next")).ToBeEnabledAsync();
            await b.ScreenshotAsync("setup-backup-codes-saved");
            await b.ClickAsync("setup-next");

            await Assertions.Expect(b.ById("setup-policy")).ToContainTextAsync("Backup codes needed together for a recovery2");
            await Assertions.Expect(b.ButtonOf("setup-finish")).ToBeEnabledAsync();
            Assert.Empty(server.Get<IAccountStore>().All());
            await b.ClickAsync("setup-finish");
            await b.WaitForUrlAsync("/login");

            var account = Assert.Single(server.Get<IAccountStore>().All());
            Assert.Equal("owner", account.UserName);
            Assert.True(account.SecondFactor.IsEnrolled);
            Assert.Equal(10, account.SecondFactor.BackupCodesInSet);
            Assert.True(server.Get<ISettingsStore>().Get().SetupCompleted);
            Assert.False(File.Exists(Path.Combine(server.DataDirectory, "setup-token")));

            var administrator = new SetupAdministrator("owner", TestPasswords.Default, secret, codes, step);
            await SetupDriver.SignInAsync(b, server, administrator);
            await Assertions.Expect(b.Page.Locator("h1")).ToContainTextAsync("Dashboard");
            // Setup is gone: /setup sends to /login, which sends a signed-in administrator on to the dashboard.
            await b.GotoAsync("/setup");
            await b.WaitForUrlAsync("^[^?]*://[^/]+/$");
        });
    }

    [Fact]
    public async Task Wizard_TwoBrowsersRacing_ExactlyOneAdministratorAndTheOtherSentToLogin()
    {
        using var server = new AppServer();
        await using var first = await BrowserPage.OpenAsync(chromium, server);
        await using var second = await BrowserPage.OpenAsync(chromium, server);
        await first.RunAsync(nameof(Wizard_TwoBrowsersRacing_ExactlyOneAdministratorAndTheOtherSentToLogin), async _ =>
        {
            await ToReviewAsync(first, server, "alice");
            await ToReviewAsync(second, server, "bob");

            // The loser shows its notice for a few seconds only, so watch both pages from before the clicks.
            var firstNotice = NoticeShownAsync(first);
            var secondNotice = NoticeShownAsync(second);
            // The loser's button may vanish before its click lands (its page already says "set up elsewhere").
            await Task.WhenAll(ClickIfStillThereAsync(first), ClickIfStillThereAsync(second));
            // The winner leaves for the sign-in page once its administrator is stored.
            await Task.WhenAny(first.WaitForUrlAsync("/login"), second.WaitForUrlAsync("/login"));

            var winner = Assert.Single(server.Get<IAccountStore>().All());
            var loserNotice = winner.UserName == "alice" ? secondNotice : firstNotice;
            Assert.Contains("set up from another browser", await loserNotice);
            await first.WaitForUrlAsync("/login");
            await second.WaitForUrlAsync("/login");
            Assert.Single(server.Get<IAccountStore>().All());
            Assert.Single(server.Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "setup.completed")), e => e.Outcome == "succeeded");
        });
    }

    /// <summary>The notice's text once it appears, or "" if it never does (the winner's page).</summary>
    private static async Task<string> NoticeShownAsync(BrowserPage browser)
    {
        try
        {
            var notice = browser.ById("setup-done-elsewhere");
            await notice.WaitForAsync(new() { Timeout = 30_000 });
            return await notice.InnerTextAsync(new() { Timeout = 1_000 });
        }
        catch (PlaywrightException)
        {
            return "";
        }
    }

    private static async Task ClickIfStillThereAsync(BrowserPage browser)
    {
        try
        {
            await browser.ButtonOf("setup-finish").ClickAsync(new() { Timeout = 5_000 });
        }
        catch (TimeoutException)
        {
        }
    }

    private static async Task ToReviewAsync(BrowserPage browser, AppServer server, string userName)
    {
        await browser.GotoAsync("/setup");
        await SetupDriver.EnterTokenAsync(browser, await SetupDriver.ReadTokenAsync(server));
        await SetupDriver.EnterAdministratorAsync(browser, userName, TestPasswords.Default);
        await SetupDriver.VerifyAuthenticatorAsync(browser);
        await SetupDriver.SaveBackupCodesAsync(browser);
        await Assertions.Expect(browser.ButtonOf("setup-finish")).ToBeEnabledAsync();
    }
}
