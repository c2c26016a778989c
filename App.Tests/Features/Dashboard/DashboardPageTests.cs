using Bunit;
using NasDash.Features.Dashboard;
using NasDash.Security;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Dashboard;

public sealed class DashboardPageTests : NasDashTestContext
{
    [Fact]
    public void Page_SecurityAndSystem_ShowWhoIsAtRiskAndTheHost()
    {
        var alice = Seed("alice");
        var bob = Seed("bob");
        TestAdministrators.SeedUnenrolled(Services, "carol");
        TestAdministrators.UseCodes(Services, alice.Id, 9);
        TestAdministrators.Adjust(Services, bob.Id, a => a.SuperLock(Time.GetUtcNow()));
        SignIn(alice);

        var cut = Render<DashboardPage>();

        Assert.Contains("2 of 3", cut.Find("[data-testid=dashboard-2fa]").TextContent);
        Assert.Contains("carol", cut.Find("[data-testid=dashboard-2fa]").TextContent);
        Assert.Contains("alice (1 left)", cut.Find("[data-testid=dashboard-codes-low]").TextContent);
        Assert.Contains("bob: super-locked since 2026-01-01 00:00 UTC", cut.Find("[data-testid=dashboard-locked]").TextContent);
        Assert.Contains("allowed", cut.Find("[data-testid=dashboard-ssh]").TextContent);
        Assert.Equal("nas-test", cut.Find("[data-testid=dashboard-host]").TextContent);
        Assert.Contains("Data volume", cut.Find("[data-testid=dashboard-system]").TextContent);
    }
}
