using Microsoft.Extensions.DependencyInjection;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Sessions;

[Collection(BrowserCollection.Name)]
public sealed class SessionBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task OpenDashboard_AfterConsoleUnlockOfItsUser_LeavesWithinSecondsWhileOthersStay()
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        var bob = SeededAccounts.Create(server.Services, "bob");
        await using var aliceTab = await BrowserPage.OpenAsync(chromium, server);
        await using var bobTab = await BrowserPage.OpenAsync(chromium, server, dark: true);
        await aliceTab.RunAsync(nameof(OpenDashboard_AfterConsoleUnlockOfItsUser_LeavesWithinSecondsWhileOthersStay), async a =>
        {
            foreach (var (tab, account) in new[] { (a, alice), (bobTab, bob) })
            {
                await tab.GotoAsync("/login");
                await tab.ReachTotpAsync(account);
                await tab.EnterTotpAsync(account.TotpAt(DateTimeOffset.UtcNow));
                await tab.WaitForDashboardAsync();
                await tab.WaitInteractiveAsync();
            }

            var started = DateTimeOffset.UtcNow;
            var code = await SeededAccounts.ConsoleUnlockAsync(server.Services, "alice");
            var bobRechecked = server.NextRecheckAsync(bob.Id, notBefore: DateTimeOffset.UtcNow);

            await a.WaitForUrlAsync("/login");
            var took = DateTimeOffset.UtcNow - started;
            Assert.True(took < TimeSpan.FromSeconds(6), $"The open dashboard left after {took.TotalSeconds:0.0} s.");
            Assert.True(await bobRechecked, "The server's re-check after alice's unlock ended bob's open page.");
            Assert.EndsWith("/", bobTab.Page.Url, StringComparison.Ordinal);
            Assert.True(await bobTab.IsVisibleAsync("user-menu"));

            // The console reset the second factor: the next sign-in is the password, the enrolment code, then the same enrolment.
            await a.WaitInteractiveAsync();
            await a.EnterPasswordAsync("alice", alice.Password);
            await a.EnterEnrolmentCodeAsync(code);
            await a.EnrolAsync();
            await a.WaitForDashboardAsync();
        });
    }

    [Fact]
    public async Task OpenDashboard_UsedThenLeftIdle_StaysWhileUsedAndLeavesAfterTheIdleTimeout()
    {
        var clock = new SteppingClock();
        using var server = new AppServer(services: services => services.AddSingleton<TimeProvider>(clock));
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var tab = await BrowserPage.OpenAsync(chromium, server);
        await tab.RunAsync(nameof(OpenDashboard_UsedThenLeftIdle_StaysWhileUsedAndLeavesAfterTheIdleTimeout), async b =>
        {
            await b.GotoAsync("/login");
            await b.ReachTotpAsync(alice);
            await b.EnterTotpAsync(alice.TotpAt(clock.GetUtcNow()));
            await b.WaitForDashboardAsync();
            await b.WaitInteractiveAsync();

            // Clicks in the open page (no HTTP request) count as use of the session. The watcher is registered after the
            // first render, so a click before it would go unseen: wait for it, and for the first click's report to arrive.
            await b.Page.WaitForFunctionAsync("() => window.nasdash && window.nasdash._activity");
            clock.Advance(TimeSpan.FromMinutes(20));
            await b.ClickAsync("dark-mode");
            await b.Page.WaitForFunctionAsync("() => (window.nasdash.activityReports || 0) >= 1");
            clock.Advance(TimeSpan.FromMinutes(20));
            // 40 minutes after the sign-in, past the 30-minute idle limit, 20 after the first click.
            var rechecked = server.NextRecheckAsync(alice.Id, notBefore: clock.GetUtcNow());
            await b.ClickAsync("dark-mode");

            Assert.True(await rechecked, "The session ended although it was in use.");
            Assert.True(await b.IsVisibleAsync("user-menu"), "The page left although its session was kept.");

            clock.Advance(TimeSpan.FromMinutes(31));
            await b.WaitForUrlAsync("/login");
        });
    }

    public static TheoryData<string> SelfRefreshingPages => ["/", "/alerts"];

    /// <summary>
    /// Halfway through the idle minute the page re-renders by itself (the dashboard's refresh, a new alert): its
    /// render acknowledgement is circuit traffic, yet nobody is there, so the session ends a minute after the last use.
    /// </summary>
    [Theory]
    [MemberData(nameof(SelfRefreshingPages))]
    public async Task OpenTab_LeftAloneWhileThePageRefreshesItself_GoesToLoginAfterTheIdleTimeout(string path)
    {
        var clock = new SteppingClock();
        using var server = new AppServer(new Dictionary<string, string?> { ["NasDash:Session:IdleTimeout"] = "00:01:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        var alice = TestAdministrators.Seed(server.Services, "alice");
        await using var tab = await BrowserPage.OpenAsync(chromium, server);
        await tab.RunAsync($"{nameof(OpenTab_LeftAloneWhileThePageRefreshesItself_GoesToLoginAfterTheIdleTimeout)}{path.Replace('/', '_')}", async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice, path);
            await b.WaitInteractiveAsync();

            clock.Advance(TimeSpan.FromSeconds(45));
            server.Get<IAlertStore>().Raise("idle-test", AlertSeverity.Info, "Something happened while nobody watched.", "/audit");
            server.Get<SecurityEvents>().NotifyChanged();
            await b.Page.Locator(".mud-badge-root:has([data-testid=alerts-bell]) .mud-badge").WaitForAsync();

            clock.Advance(TimeSpan.FromSeconds(20));
            await b.WaitForUrlAsync("/login");
        });
    }

    [Fact]
    public async Task OpenTab_PersonTyping_KeepsTheSessionPastTheIdleTimeout()
    {
        var clock = new SteppingClock();
        using var server = new AppServer(new Dictionary<string, string?> { ["NasDash:Session:IdleTimeout"] = "00:01:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        var alice = TestAdministrators.Seed(server.Services, "alice");
        await using var tab = await BrowserPage.OpenAsync(chromium, server);
        await tab.RunAsync(nameof(OpenTab_PersonTyping_KeepsTheSessionPastTheIdleTimeout), async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice, "/alerts");
            await b.WaitInteractiveAsync();

            clock.Advance(TimeSpan.FromSeconds(45));
            await b.Page.Keyboard.TypeAsync("still here");
            await b.Page.WaitForFunctionAsync("() => (window.nasdash.activityReports || 0) >= 1");

            // 90 s after the sign-in, 45 s after the typing: the reload is judged on the typing alone.
            clock.Advance(TimeSpan.FromSeconds(45));
            await b.Page.ReloadAsync();
            Assert.EndsWith("/alerts", new Uri(b.Page.Url).AbsolutePath, StringComparison.Ordinal);
            await b.WaitInteractiveAsync();
            Assert.True(await b.IsVisibleAsync("user-menu"), "Typing did not keep the session.");
        });
    }

    /// <summary>
    /// A restart (an upgrade, a reboot) keeps each session's last use: a session within both limits stays signed in, one
    /// left idle past the limit ends, and the audit log says which limit ended it and when the session was last used.
    /// </summary>
    [Fact]
    public async Task SignedInTabs_AcrossARestart_TheOneUsedStaysAndTheIdleOneEndsAsIdle()
    {
        var clock = new SteppingClock();
        using var data = new TempDirectory();
        var first = new AppServer(services: services => services.AddSingleton<TimeProvider>(clock), dataDirectory: data.Path);
        try
        {
            var alice = TestAdministrators.Seed(first.Services, "alice");
            var bob = TestAdministrators.Seed(first.Services, "bob");
            await using var aliceTab = await BrowserPage.OpenAsync(chromium, first);
            await using var bobTab = await BrowserPage.OpenAsync(chromium, first);
            await BrowserSignIn.SignInAsync(bobTab, first, bob, "/alerts");
            // Circuit set-up is HTTP too (a use of the session): it must be over before the clock moves.
            await bobTab.WaitInteractiveAsync();
            await aliceTab.RunAsync(nameof(SignedInTabs_AcrossARestart_TheOneUsedStaysAndTheIdleOneEndsAsIdle), async a =>
            {
                await BrowserSignIn.SignInAsync(a, first, alice, "/alerts");
                await a.WaitInteractiveAsync();
                clock.Advance(TimeSpan.FromMinutes(20));
                await a.GotoAsync("/alerts");

                first.Dispose();
                clock.Advance(TimeSpan.FromMinutes(15));
                using var second = new AppServer(services: services => services.AddSingleton<TimeProvider>(clock), dataDirectory: data.Path);

                // Alice: 15 minutes after her last use, 35 after her sign-in. Bob: 35 minutes after his only use.
                await a.Page.GotoAsync(second.BaseUrl + "/alerts");
                await a.WaitInteractiveAsync();
                Assert.EndsWith("/alerts", new Uri(a.Page.Url).AbsolutePath, StringComparison.Ordinal);
                Assert.True(await a.IsVisibleAsync("user-menu"), "The restart signed out a session within both limits.");
                await bobTab.Page.GotoAsync(second.BaseUrl + "/alerts");
                await bobTab.WaitForUrlAsync("/login");

                var ended = Assert.Single(second.Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "session.ended")));
                Assert.Equal(("bob", "expired-idle"), (ended.UserName, ended.Outcome));
                Assert.StartsWith("last used ", ended.Detail, StringComparison.Ordinal);
            });
        }
        finally
        {
            first.Dispose();
        }
    }
}
