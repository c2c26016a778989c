using System.Text.RegularExpressions;
using MimeKit;
using NasDash.Storage;
using NasDash.Tests.Browser;
using NasDash.Tests.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.MyAccount;

/// <summary>
/// My notification addresses in Chromium on a phone-sized page, against a real SMTP server: the address confirmed with the
/// code from its mail, then the "This wasn't me" link of a notice mailed to it ends the open session, once.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class MyAddressesBrowserTests(Chromium chromium)
{
    private const string AliceMail = "alice@mail.example.test";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AnAddressConfirmedOnAPhone_GetsTheNextNotice_WhoseLinkEndsTheOpenSessionOnce()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        var store = server.Get<LiteDbStore>();
        var settings = store.GetNotificationSettings();
        settings.Email.Host = "127.0.0.1";
        settings.Email.Port = smtp.Port;
        settings.Email.Security = SmtpSecurity.None;
        settings.Email.From = "nasdash@nas-test.example";
        settings.Email.To = ["owner@example.test"];
        store.SaveNotificationSettings(settings, new AuditEvent { At = DateTimeOffset.UtcNow, Event = AuditNames.SettingsNotifications.Id, Outcome = "saved" });
        await using var owner = await BrowserPage.OpenAsync(chromium, server, width: 390, height: 844);
        await using var reporter = await BrowserPage.OpenAsync(chromium, server);
        await owner.RunAsync(nameof(AnAddressConfirmedOnAPhone_GetsTheNextNotice_WhoseLinkEndsTheOpenSessionOnce), async o =>
        {
            await BrowserSignIn.SignInAsync(o, server, alice, "/account");
            await o.ClickAsync("my-address-add");
            await o.FillAsync("my-address-value", AliceMail);
            await o.FillAsync("tf-step-up", await alice.NextCodeAsync(server.Get<TimeProvider>()));
            await AssertFitsAsync(o, "my-addresses-phone-390-add");
            await o.ClickAsync("tf-step-up-confirm");

            var codeMail = Assert.Single(await MailsToAsync(smtp, 1));
            var code = Code().Match(codeMail.Subject ?? "").Groups[1].Value;
            await Microsoft.Playwright.Assertions.Expect(o.ById("my-address-sent")).ToContainTextAsync($"A 6-digit code went to {AliceMail}");
            await AssertFitsAsync(o, "my-addresses-phone-390-pending");
            await o.FillAsync("my-address-confirm-code", code);
            await o.ClickAsync("my-address-confirm");
            await o.Page.Locator("[data-testid=my-address-row][data-state=confirmed]").WaitForAsync();
            Assert.Contains(AliceMail, await o.TextOfAsync("my-address-row"), StringComparison.Ordinal);
            await AssertFitsAsync(o, "my-addresses-phone-390");

            // A security key registered for alice from somewhere else: the notice reaches her own address.
            var account = SeededAccounts.Stored(server.Services, "alice");
            account.SecurityKeyAdded(SecurityKey.Create([1, 2, 3, 4], [5, 6, 7, 8], 0, "unknown key", DateTimeOffset.UtcNow));
            server.Get<SecurityLedger>().Commit(account, new AuditEvent
            {
                At = DateTimeOffset.UtcNow, UserName = "alice", ClientAddress = "203.0.113.99", Event = AuditNames.AccountSecurityKeyAdded.Id, Outcome = "succeeded",
            });
            var notice = (await MailsToAsync(smtp, 2)).Single(m => m.Subject!.EndsWith("A security key was added for alice on nas-test", StringComparison.Ordinal));
            var token = Link().Match(notice.TextBody ?? "").Groups[1].Value;
            Assert.Matches("^[A-Za-z0-9_-]{22}$", token);

            await reporter.GotoAsync($"/report/{token}");
            Assert.Contains("Security key added", await reporter.TextOfAsync("report-about"), StringComparison.Ordinal);
            await reporter.ClickAsync("report-confirm");
            await reporter.Page.Locator("[data-testid=report-outcome][data-outcome=confirmed]").WaitForAsync();
            await o.WaitForUrlAsync("/login");

            var stamp = SeededAccounts.Stored(server.Services, "alice").SecurityStamp;
            var notices = store.AllNotices(100).Count;
            await reporter.GotoAsync($"/report/{token}");
            await reporter.Page.Locator("[data-testid=report-outcome][data-outcome=already-used]").WaitForAsync();
            Assert.Equal(0, await reporter.ById("report-confirm").CountAsync());
            await reporter.Page.EvaluateAsync(
                """
                action => {
                    const form = document.createElement("form");
                    form.method = "post";
                    form.action = action;
                    document.body.appendChild(form);
                    form.submit();
                }
                """, $"/report/{token}/confirm");
            await reporter.Page.Locator("[data-testid=report-outcome][data-outcome=already-used]").WaitForAsync();
            Assert.Equal(stamp, SeededAccounts.Stored(server.Services, "alice").SecurityStamp);
            Assert.Equal(notices, store.AllNotices(100).Count);
            Assert.Single(store.AllNotices(100), n => n.Kind == SecurityNoticeKind.ReportedNotMine);
        });
    }

    // The page never scrolls sideways on the phone; the screenshot is kept for a look.
    private static async Task AssertFitsAsync(BrowserPage page, string screenshot)
    {
        Assert.Equal(0, await page.Page.EvaluateAsync<int>("() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"));
        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        await page.Page.Locator(".mud-paper", new() { HasText = "My notification addresses" })
            .ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, screenshot + ".png") });
    }

    private static async Task<IReadOnlyList<MimeMessage>> MailsToAsync(SmtpTestServer smtp, int count)
    {
        var until = DateTime.UtcNow + Within;
        while (smtp.Messages().Count(m => m.Headers["X-RcptTo"] == AliceMail) < count)
        {
            Assert.True(DateTime.UtcNow < until, $"fewer than {count} mails reached {AliceMail} in time");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return [.. smtp.Messages().Where(m => m.Headers["X-RcptTo"] == AliceMail)];
    }

    [GeneratedRegex(@"\b(\d{6})$")]
    private static partial Regex Code();

    [GeneratedRegex(@"Not you\? Report it first: open \S+/report/([A-Za-z0-9_-]{22}) ")]
    private static partial Regex Link();
}
