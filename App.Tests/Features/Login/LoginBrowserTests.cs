using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Login;

/// <summary>The login page in Chromium, as a person uses it, against the running app.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LoginBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task Login_PasswordThenTotp_SignsInAndTheSameCodeIsRefusedNextTime()
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var b = await BrowserPage.OpenAsync(chromium, server);
        await b.RunAsync(nameof(Login_PasswordThenTotp_SignsInAndTheSameCodeIsRefusedNextTime), async b =>
        {
            await b.GotoAsync("/");
            await b.WaitForUrlAsync("/login");
            await b.WaitInteractiveAsync();
            await b.ReachTotpAsync(alice);
            var code = alice.TotpAt(DateTimeOffset.UtcNow);
            await b.EnterTotpAsync($"{code[..3]} {code[3..]}");
            await b.WaitForDashboardAsync();
            await b.WaitInteractiveAsync();
            Assert.Contains("alice", await b.TextOfAsync("user-menu"), StringComparison.Ordinal);

            await b.SignOutAsync();
            await b.ReachTotpAsync(alice);
            await b.EnterTotpAsync(code);

            Assert.Contains("already used", await b.ErrorAsync(), StringComparison.Ordinal);
            Assert.EndsWith("/login", new Uri(b.Page.Url).AbsolutePath, StringComparison.Ordinal);
        });

        var audit = server.Get<IAuditLog>();
        Assert.Contains(audit.Query(new AuditQuery(EventPrefix: "login.totp")), e => e.Outcome == "succeeded" && e.ClientAddress == "127.0.0.1");
        Assert.Contains(audit.Query(new AuditQuery(EventPrefix: "login.totp")), e => e.Outcome == "replayed");
        Assert.Contains(audit.Query(new AuditQuery(EventPrefix: "session.ended")), e => e.Outcome == "signed-out" && e.ClientAddress == "127.0.0.1");
    }

    [Fact]
    public async Task Login_RecoveryWithTwoCodes_ForcesReEnrolmentAndKillsTheOldBatch()
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var b = await BrowserPage.OpenAsync(chromium, server);
        await b.RunAsync(nameof(Login_RecoveryWithTwoCodes_ForcesReEnrolmentAndKillsTheOldBatch), async b =>
        {
            await b.GotoAsync("/login");
            await b.ReachBackupCodesAsync(alice);
            Assert.Equal(2, await b.Page.Locator("[data-testid^=backup-input-]").CountAsync());
            await b.SubmitBackupCodesAsync(alice.Codes[0].ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal), alice.Codes[1]);

            await b.WaitForUrlAsync("/enrol$");
            await b.GotoAsync("/");
            await b.WaitForUrlAsync("/enrol$");
            var (_, newCodes, download) = await b.EnrolAsync();
            await b.WaitForDashboardAsync();
            await b.WaitInteractiveAsync();
            Assert.DoesNotContain(alice.Codes[2], newCodes);
            Assert.Contains(newCodes[0], download, StringComparison.Ordinal);

            await b.SignOutAsync();
            await b.ReachBackupCodesAsync(alice);
            await b.SubmitBackupCodesAsync(alice.Codes[2], alice.Codes[3]);

            await b.Handle("lockout-dialog").WaitForAsync();
            Assert.Contains("9 submissions left", await b.TextOfAsync("lockout-dialog"), StringComparison.Ordinal);
        });

        var stored = SeededAccounts.Stored(server.Services, "alice");
        Assert.False(stored.MustEnrol);
        Assert.Equal(1, stored.BackupFailures);
        Assert.Equal(10, stored.SecondFactor.BackupCodesInSet);
    }

    [Fact]
    public async Task Login_NFailedBackupSubmissions_SuperLockHoldsAgainstPasswordCodesAndTotp()
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        SeededAccounts.ConfigureTwoFactor(server.Services, s => s with { MaxFailedBackupSubmissions = 3 });
        await using var attacker = await BrowserPage.OpenAsync(chromium, server);
        await using var withTotp = await BrowserPage.OpenAsync(chromium, server);
        await using var withCodes = await BrowserPage.OpenAsync(chromium, server);
        await attacker.RunAsync(nameof(Login_NFailedBackupSubmissions_SuperLockHoldsAgainstPasswordCodesAndTotp), async a =>
        {
            // Two sign-ins that passed the password step before the lockout, waiting at their second factor.
            await withTotp.GotoAsync("/login");
            await withTotp.ReachTotpAsync(alice);
            await withCodes.GotoAsync("/login");
            await withCodes.ReachBackupCodesAsync(alice);

            await a.GotoAsync("/login");
            await a.ReachBackupCodesAsync(alice);
            for (var left = 2; left >= 1; left--)
            {
                await a.SubmitBackupCodesAsync("AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH");
                await a.Page.Locator("[data-testid=lockout-dialog]", new() { HasTextString = left == 1 ? "last try" : $"{left} submissions left" }).WaitForAsync();
            }

            await a.SubmitBackupCodesAsync("AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH");
            await a.Handle("super-lockout").WaitForAsync();
            Assert.Contains("nasdash console unlock alice", await a.TextOfAsync("super-lockout"), StringComparison.Ordinal);
            Assert.Equal(0, await a.Page.Locator("input:visible").CountAsync());

            await a.GotoAsync("/login");
            await a.EnterPasswordAsync("alice", alice.Password);
            await a.Handle("super-lockout").WaitForAsync();

            // Tabs that passed the password step before the lockout: a valid TOTP or valid codes meet the notice, unevaluated.
            await withTotp.EnterTotpAsync(alice.TotpAt(DateTimeOffset.UtcNow));
            await withTotp.Handle("super-lockout").WaitForAsync();
            await withTotp.GotoAsync("/login");
            await withTotp.EnterPasswordAsync("alice", alice.Password);
            await withTotp.Handle("super-lockout").WaitForAsync();

            await withCodes.SubmitBackupCodesAsync(alice.Codes[0], alice.Codes[1]);
            await withCodes.Handle("super-lockout").WaitForAsync();
        });

        var stored = SeededAccounts.Stored(server.Services, "alice");
        Assert.Equal(AccountState.SuperLocked, stored.State);
        Assert.Equal(3, stored.BackupFailures);
        Assert.Equal(10, stored.SecondFactor.BackupCodesInSet);
        Assert.Empty(server.Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "session.started")));
    }

    [Fact]
    public async Task Login_TWrongTotpCodes_MovesToRecoveryWithTheReason()
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var b = await BrowserPage.OpenAsync(chromium, server);
        await b.RunAsync(nameof(Login_TWrongTotpCodes_MovesToRecoveryWithTheReason), async b =>
        {
            await b.GotoAsync("/login");
            await b.ReachTotpAsync(alice);
            var wrong = LoginSteps.WrongCode(alice);
            for (var left = 4; left >= 1; left--)
            {
                await b.EnterTotpAsync(wrong);
                var expected = left == 1 ? "One more wrong code" : $"{left} more wrong codes";
                await b.Page.Locator("[data-testid=login-error]", new() { HasTextString = expected }).WaitForAsync();
            }

            await b.EnterTotpAsync(wrong);

            await b.Handle("recovery-reason").WaitForAsync();
            Assert.Contains("Too many wrong authenticator codes", await b.TextOfAsync("recovery-reason"), StringComparison.Ordinal);
            Assert.Equal(0, await b.Page.Locator("[data-testid=login-totp]").CountAsync());
            Assert.Equal(2, await b.Page.Locator("[data-testid^=backup-input-]").CountAsync());
        });

        Assert.Equal(AccountState.Recovery, SeededAccounts.Stored(server.Services, "alice").State);
    }

    [Fact]
    public async Task Login_WrongCodeThenEnterOnTheEmptiedField_KeepsTheAttemptsLeftAndCountsOnce()
    {
        using var server = new AppServer();
        var alice = SeededAccounts.Create(server.Services, "alice");
        await using var b = await BrowserPage.OpenAsync(chromium, server);
        await b.RunAsync(nameof(Login_WrongCodeThenEnterOnTheEmptiedField_KeepsTheAttemptsLeftAndCountsOnce), async b =>
        {
            await b.GotoAsync("/login");
            await b.ReachTotpAsync(alice);
            await b.EnterTotpAsync(LoginSteps.WrongCode(alice));
            await b.Page.Locator("[data-testid=login-error]", new() { HasTextString = "4 more wrong codes" }).WaitForAsync();
            await Assertions.Expect(b.InputOf("login-totp")).ToHaveValueAsync("");

            await b.InputOf("login-totp").PressAsync("Enter");
            await b.InputOf("login-totp").PressAsync("Enter");

            await Assertions.Expect(b.ById("login-error")).ToContainTextAsync("That code is not correct. 4 more wrong codes");
            Assert.Equal(1, SeededAccounts.Stored(server.Services, "alice").TotpFailures);
        });
    }
}
