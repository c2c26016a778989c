using Bunit;
using NasDash.Features.Alerts;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Alerts;

public sealed class AlertsPageTests : NasDashTestContext
{
    [Fact]
    public void Page_OpenAlert_ShowsItsActionAndAcknowledgeRemovesIt()
    {
        var alice = Seed("alice");
        SignIn(alice);
        Get<IAlertStore>().Raise("ssh-disabled", AlertSeverity.Critical, "SSH login was disabled after a lockout event of bob.", "/services/ssh");
        var cut = Render<AlertsPage>();

        var item = cut.Find("[data-testid=alert-item]");
        Assert.Contains("SSH login was disabled after a lockout event of bob.", item.TextContent);
        Assert.Equal("/services/ssh", cut.Find("[data-testid=alert-action]").GetAttribute("href"));

        cut.Find("[data-testid=alert-acknowledge]").Click();

        Assert.Empty(cut.FindAll("[data-testid=alert-item]"));
        Assert.Empty(Get<IAlertStore>().Open());
        Assert.Equal("alert.acknowledged", Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "alert."))).Event);
    }

    [Fact]
    public void History_ShowsWhenEachAlertWasRaisedAndHowAndWhenItEnded()
    {
        SignIn(Seed("alice"));
        var alerts = Get<IAlertStore>();
        alerts.Raise("ssh-disabled", AlertSeverity.Critical, "SSH login was disabled after a lockout event of bob.", "/services/ssh");
        Time.Advance(TimeSpan.FromMinutes(20));
        alerts.Clear("ssh-disabled");
        var console = alerts.Raise("console-action", AlertSeverity.Info, "bob was unlocked at the console.", null);
        Time.Advance(TimeSpan.FromMinutes(65));
        alerts.Acknowledge(console.Id, "alice");

        var cut = Render<AlertsPage>();

        var rows = cut.FindAll("[data-testid=alert-history-item]").Select(r => Squash(r.TextContent)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r.Contains("SSH login was disabled", StringComparison.Ordinal) &&
            r.Contains("Raised 2026-01-01 00:00 UTC · cleared 2026-01-01 00:20 UTC", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("bob was unlocked", StringComparison.Ordinal) &&
            r.Contains("Raised 2026-01-01 00:20 UTC · acknowledged by alice, 2026-01-01 01:25 UTC", StringComparison.Ordinal));
    }

    private static string Squash(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
