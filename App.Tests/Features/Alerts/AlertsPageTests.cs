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
}
