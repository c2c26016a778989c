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
        TestAdministrators.GiveSetOf(Services, alice.Id, 1);
        TestAdministrators.Adjust(Services, bob.Id, a => a.SuperLock(Time.GetUtcNow()));
        SignIn(alice);

        var cut = Render<DashboardPage>();

        Assert.Contains("2 of 3", cut.Find("[data-testid=dashboard-2fa]").TextContent);
        Assert.Contains("carol", cut.Find("[data-testid=dashboard-2fa]").TextContent);
        // No line counts backup codes: a recovery replaces the whole set, even when a set is smaller than M.
        Assert.Empty(cut.FindAll("[data-testid=dashboard-codes-low]"));
        Assert.DoesNotContain("Backup codes below", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("bob: super-locked since 2026-01-01 00:00 UTC", cut.Find("[data-testid=dashboard-locked]").TextContent);
        Assert.Contains("allowed", cut.Find("[data-testid=dashboard-ssh]").TextContent);
        Assert.Equal("nas-test", cut.Find("[data-testid=dashboard-host]").TextContent);
        Assert.Contains("Data volume", cut.Find("[data-testid=dashboard-system]").TextContent);
    }
}
