using System.Text.Json;
using System.Text.RegularExpressions;
using NasDash.Storage;
using NasDash.Tests.Browser;
using NasDash.Tests.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Report;

/// <summary>"This wasn't me" against the running app: the link of a real notice ends the open session in Chromium, once.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ReportBrowserTests(Chromium chromium)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TheLinkOfAWebhookNotice_EndsTheOpenSession_AndTheSecondConfirmChangesNothing()
    {
        using var server = new AppServer();
        using var receiver = new HttpReceiver();
        var alice = SeededAccounts.Create(server.Services, "alice");
        var store = server.Get<LiteDbStore>();
        var settings = store.GetNotificationSettings();
        settings.Webhook.Url = receiver.Url("/hooks/nasdash");
        settings.Webhook.Preset = WebhookPreset.Json;
        settings.Webhook.Events = [SecurityNoticeKind.PasswordChanged];
        store.SaveNotificationSettings(settings, new AuditEvent { At = DateTimeOffset.UtcNow, Event = AuditNames.SettingsNotifications.Id, Outcome = "saved" });
        await using var owner = await BrowserPage.OpenAsync(chromium, server);
        await using var reporter = await BrowserPage.OpenAsync(chromium, server);
        await owner.RunAsync(nameof(TheLinkOfAWebhookNotice_EndsTheOpenSession_AndTheSecondConfirmChangesNothing), async o =>
        {
            // A notice about alice (her password set again, to the same one), then her session opens.
            var account = SeededAccounts.Stored(server.Services, "alice");
            account.PasswordChanged(server.Get<PasswordHashing>().Hash(alice.Password));
            server.Get<SecurityLedger>().Commit(account, new AuditEvent
            {
                At = DateTimeOffset.UtcNow, UserName = "alice", ClientAddress = "192.0.2.9", Event = AuditNames.AccountPasswordChanged.Id, Outcome = "succeeded",
            });
            var request = await receiver.WaitForOneAsync(Within);
            using var json = JsonDocument.Parse(request.Body);
            var reportUrl = json.RootElement.GetProperty("reportUrl").GetString()!;
            Assert.Contains($"Not you? Report it first: open {reportUrl}", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            var token = TokenOf().Match(reportUrl).Groups[1].Value;

            await o.ReachTotpAsync(alice);
            await o.EnterTotpAsync(alice.TotpAt(DateTimeOffset.UtcNow));
            await o.WaitForDashboardAsync();
            await o.WaitInteractiveAsync();

            await reporter.GotoAsync($"/report/{token}");
            await reporter.WaitInteractiveAsync();
            Assert.Contains("Password changed", await reporter.TextOfAsync("report-about"), StringComparison.Ordinal);
            Assert.Contains("alice", await reporter.TextOfAsync("report-about"), StringComparison.Ordinal);
            await reporter.ById("report-confirm").ClickAsync();
            await reporter.Page.Locator("[data-testid=report-outcome][data-outcome=confirmed]").WaitForAsync();

            await o.WaitForUrlAsync("/login");
            var stamp = SeededAccounts.Stored(server.Services, "alice").SecurityStamp;
            var notices = store.AllNotices(100).Count;
            Assert.Single(store.AllNotices(100), n => n.Kind == SecurityNoticeKind.ReportedNotMine && n.UserName == "alice");
            Assert.Contains(store.Open(), a => a.Key == AlertKeys.ReportedNotMine("alice"));

            // The second confirmation, posted from the page again, and a second opening: already used, nothing changes.
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
            await reporter.GotoAsync($"/report/{token}");
            await reporter.Page.Locator("[data-testid=report-outcome][data-outcome=already-used]").WaitForAsync();
            Assert.Equal(0, await reporter.ById("report-confirm").CountAsync());
            Assert.Equal(stamp, SeededAccounts.Stored(server.Services, "alice").SecurityStamp);
            Assert.Equal(notices, store.AllNotices(100).Count);
        });
    }

    [Fact]
    public async Task AnUnknownLink_SaysSo_AndOffersNoButton()
    {
        using var server = new AppServer();
        SeededAccounts.Create(server.Services, "alice");
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(AnUnknownLink_SaysSo_AndOffersNoButton), async b =>
        {
            await b.GotoAsync("/report/AAAAAAAAAAAAAAAAAAAAAA");
            await b.WaitInteractiveAsync();
            await b.Page.Locator("[data-testid=report-outcome][data-outcome=unknown]").WaitForAsync();
            Assert.Equal(0, await b.ById("report-confirm").CountAsync());
        });
    }

    [GeneratedRegex("/report/([A-Za-z0-9_-]{22})$")]
    private static partial Regex TokenOf();
}
