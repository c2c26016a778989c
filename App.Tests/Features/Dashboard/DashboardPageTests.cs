using Bunit;
using NasDash.Features.Dashboard;
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

    [Fact]
    public async Task Page_AttemptsRefusedForAnAccount_SaysHowManyInTheLastHour()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var signIns = Get<SignInService>();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle + 3; i++)
        {
            await signIns.SubmitPasswordAsync("alice", "wrong", $"203.0.113.{i}", Xunit.TestContext.Current.CancellationToken);
        }

        var cut = Render<DashboardPage>();

        Assert.Equal("alice: 3 sign-in attempts refused in the last hour. Someone is trying to sign in as alice; each refused attempt was not evaluated.",
            cut.Find("[data-testid=dashboard-refused]").TextContent.Trim());
    }

    [Fact]
    public void Page_RequestsThroughAnUntrustedProxy_NameTheProxyAndTheSetting()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var request = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        request.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("10.0.0.2");
        request.Request.Headers["X-Forwarded-For"] = "198.51.100.20";
        Get<NasDash.Hosting.UntrustedForwarding>().Seen(request);

        var cut = Render<DashboardPage>();

        var notice = cut.Find("[data-testid=dashboard-untrusted-proxy]").TextContent;
        Assert.Contains("NasDash sees every browser as 10.0.0.2", notice, StringComparison.Ordinal);
        Assert.Contains("NasDash:TrustedProxies", notice, StringComparison.Ordinal);
    }
}
