using Bunit;
using NasDash.Features.Alerts;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Alerts;

public sealed class AlertBellTests : NasDashTestContext
{
    [Fact]
    public void Bell_NoOpenAlerts_ShowsNoCount()
    {
        var cut = Render<AlertBell>();

        Assert.NotNull(cut.Find("[data-testid=alerts-bell]"));
        Assert.Empty(cut.FindAll(".mud-badge-wrapper .mud-badge"));
    }

    [Fact]
    public void Bell_OpenAlerts_ShowsTheirCountAndFollowsChanges()
    {
        var alerts = Get<IAlertStore>();
        alerts.Raise("ssh-disabled", AlertSeverity.Critical, "SSH login was disabled.", "/services/ssh");
        alerts.Raise("recovery:alice", AlertSeverity.Warning, "Recovery of alice.", "/audit");
        var cut = Render<AlertBell>();

        Assert.Equal("2", cut.Find(".mud-badge").TextContent.Trim());

        alerts.Clear("ssh-disabled");
        Get<SecurityEvents>().NotifyChanged();

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find(".mud-badge").TextContent.Trim()));
    }
}
