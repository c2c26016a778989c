using Microsoft.Extensions.DependencyInjection;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Login;

/// <summary>The lockout cannot be turned against its owner: device cookies and enrolment codes, in Chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OwnerLockoutBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task TwelveWrongPasswordsFromOneBrowser_OwnersBrowserSignsInAtOnce_AttackerIsRefusedEvenWithThePassword()
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var owner = await BrowserPage.OpenAsync(chromium, server);
        await using var attacker = await BrowserPage.OpenAsync(chromium, server);
        await owner.RunAsync(nameof(TwelveWrongPasswordsFromOneBrowser_OwnersBrowserSignsInAtOnce_AttackerIsRefusedEvenWithThePassword), async o =>
        {
            await o.ReachTotpAsync(alice);
            await o.EnterTotpAsync(alice.TotpAt(DateTimeOffset.UtcNow));
            await o.WaitForDashboardAsync();
            await o.WaitInteractiveAsync();
            await o.SignOutAsync();

            for (var i = 0; i < 12; i++)
            {
                await attacker.GotoAsync("/login");
                await attacker.EnterPasswordAsync("alice", $"guess number {i}");
                await attacker.Page.Locator("[data-testid=login-error], [data-testid=login-throttled]").First.WaitForAsync();
            }

            await o.EnterPasswordAsync("alice", alice.Password);
            await o.InputOf("login-totp").WaitForAsync();

            await attacker.GotoAsync("/login");
            await attacker.EnterPasswordAsync("alice", alice.Password);
            await attacker.ById("login-throttled").WaitForAsync();
            Assert.False(await attacker.IsVisibleAsync("login-totp"));
        });
    }

    [Fact]
    public async Task ConsoleUnlock_FreshBrowserWithThePassword_IsAskedForTheCodeAndTheCodeEnrolsOnce()
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        var code = await SeededAccounts.ConsoleUnlockAsync(server.Services, "alice");
        await using var first = await BrowserPage.OpenAsync(chromium, server);
        await using var second = await BrowserPage.OpenAsync(chromium, server);
        await first.RunAsync(nameof(ConsoleUnlock_FreshBrowserWithThePassword_IsAskedForTheCodeAndTheCodeEnrolsOnce), async b =>
        {
            await b.EnterPasswordAsync("alice", alice.Password);
            await b.InputOf("enrol-code").WaitForAsync();
            Assert.Equal(0, await b.ById("totp-qr").CountAsync());
            Assert.Equal(0, await b.ById("totp-secret").CountAsync());

            await b.EnterEnrolmentCodeAsync("ABCD-EFGH-JKMN-PQRS");
            Assert.Contains("not correct", await b.ErrorAsync(), StringComparison.Ordinal);
            Assert.Equal(1, SeededAccounts.Stored(server.Services, "alice").BackupFailures);

            await b.EnterEnrolmentCodeAsync(code);
            await b.WaitForUrlAsync("/enrol$");

            // The same code from another browser, while the first one enrols: already used.
            await second.EnterPasswordAsync("alice", alice.Password);
            await second.EnterEnrolmentCodeAsync(code);
            Assert.Contains("already used", await second.ErrorAsync(), StringComparison.Ordinal);

            await b.EnrolAsync();
            await b.WaitForDashboardAsync();
        });

        Assert.True(SeededAccounts.Stored(server.Services, "alice").SecondFactor.IsEnrolled);
    }

    [Fact]
    public async Task EnrolmentCode_After24Hours_IsRefusedAndNamesTheConsoleCommand()
    {
        var clock = new SteppingClock();
        using var server = new AppServer(services: services => services.AddSingleton<TimeProvider>(clock));
        var bob = SeededAccounts.Create(server.Services, "bob");
        var code = await SeededAccounts.ConsoleUnlockAsync(server.Services, "bob");
        clock.Advance(TimeSpan.FromHours(24));
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(EnrolmentCode_After24Hours_IsRefusedAndNamesTheConsoleCommand), async b =>
        {
            await b.EnterPasswordAsync("bob", bob.Password);
            await b.EnterEnrolmentCodeAsync(code);

            var error = await b.ErrorAsync();
            Assert.Contains("expired", error, StringComparison.Ordinal);
            Assert.Contains("nasdash console unlock bob", error, StringComparison.Ordinal);
            Assert.Equal(0, await b.ById("totp-qr").CountAsync());
        });
    }
}
