using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Sessions;

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
            SeededAccounts.ConsoleUnlock(server.Services, "alice");

            await a.WaitForUrlAsync("/login");
            var took = DateTimeOffset.UtcNow - started;
            Assert.True(took < TimeSpan.FromSeconds(6), $"The open dashboard left after {took.TotalSeconds:0.0} s.");
            await bobTab.Page.WaitForTimeoutAsync(1000);
            Assert.EndsWith("/", bobTab.Page.Url, StringComparison.Ordinal);
            Assert.True(await bobTab.IsVisibleAsync("user-menu"));
        });
    }
}
