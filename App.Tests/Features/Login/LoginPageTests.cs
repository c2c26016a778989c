using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Features.Login;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Login;

public sealed class LoginPageTests : NasDashTestContext
{
    private readonly SeededAccount _alice;

    public LoginPageTests()
    {
        _alice = SeededAccounts.Create(Services, "alice");
    }

    private NavigationManager Navigation => Get<NavigationManager>();

    [Fact]
    public void LoginPage_Initially_ShowsUserNameAndPasswordOnly()
    {
        var cut = Render<LoginPage>();

        Assert.NotNull(cut.Find("#login-username-input"));
        Assert.Equal("password", cut.Find("#login-password-input").GetAttribute("type"));
        Assert.False(cut.Find("[data-testid=login-submit]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=login-totp]"));
        Assert.Empty(cut.FindAll("[data-testid=login-error]"));
    }

    [Fact]
    public async Task LoginPage_WrongPasswordOrUnknownUser_ShowsTheSameGenericMessage()
    {
        var cut = Render<LoginPage>();

        await SubmitPasswordAsync(cut, "alice", "wrong password");
        var wrongPassword = cut.Find("[data-testid=login-error]").TextContent.Trim();
        await SubmitPasswordAsync(cut, "mallory", "wrong password");
        var unknownUser = cut.Find("[data-testid=login-error]").TextContent.Trim();

        Assert.Equal(LoginState.InvalidCredentialsMessage, wrongPassword);
        Assert.Equal(wrongPassword, unknownUser);
        Assert.Empty(cut.FindAll("[data-testid=login-totp]"));
    }

    [Fact]
    public async Task LoginPage_CorrectPassword_ShowsTotpFieldAndBackupCodeLink()
    {
        var cut = Render<LoginPage>();

        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        Assert.NotNull(cut.Find("#login-totp-input"));
        Assert.NotNull(cut.Find("[data-testid=login-totp-submit]"));
        Assert.Contains("Use backup codes", cut.Find("[data-testid=use-backup-codes]").TextContent);
        Assert.Empty(cut.FindAll("#login-password-input"));
    }

    [Fact]
    public async Task LoginPage_CorrectTotpPastedWithSpaces_SubmitsByItselfAndLeavesForTheTicketEndpoint()
    {
        Navigation.NavigateTo("/login?returnUrl=%2Fusers");
        var cut = Render<LoginPage>();
        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        var code = _alice.TotpAt(Time.GetUtcNow());
        await cut.Find("#login-totp-input").InputAsync(new ChangeEventArgs { Value = $" {code[..3]} {code[3..]} " });

        var (ticket, returnUrl) = PostedTicket(cut);
        Assert.NotEmpty(ticket);
        Assert.Equal("/users", returnUrl);
    }

    [Fact]
    public async Task LoginPage_ForeignReturnUrl_IsReplacedByTheDashboard()
    {
        Navigation.NavigateTo("/login?returnUrl=%2F%2Fevil.example%2Fphish");
        var cut = Render<LoginPage>();
        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        await SubmitTotpAsync(cut, _alice.TotpAt(Time.GetUtcNow()));

        Assert.Equal("/", PostedTicket(cut).ReturnUrl);
    }

    [Fact]
    public async Task LoginPage_WrongTotp_SaysHowManyTriesAreLeftBeforeRecovery()
    {
        var cut = Render<LoginPage>();
        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        await SubmitTotpAsync(cut, WrongCode());

        var error = cut.Find("[data-testid=login-error]").TextContent;
        Assert.Contains(LoginState.WrongTotpMessage, error, StringComparison.Ordinal);
        Assert.Contains("4 more wrong codes", error, StringComparison.Ordinal);
        Assert.Equal("", cut.Find("#login-totp-input").GetAttribute("value") ?? "");
    }

    [Fact]
    public async Task LoginPage_UseBackupCodes_ShowsExactlyMInputs()
    {
        SeededAccounts.ConfigureTwoFactor(Services, s => s with { RequiredCodesAtRecovery = 3 });
        var cut = Render<LoginPage>();
        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        await cut.Find("[data-testid=use-backup-codes]").ClickAsync(new());

        Assert.Equal(3, cut.FindAll("input[id^=backup-input-]").Count);
        Assert.NotNull(cut.Find("#backup-input-3-input"));
        Assert.Empty(cut.FindAll("#backup-input-4-input"));
        Assert.NotNull(cut.Find("[data-testid=backup-submit]"));
        Assert.Contains("starts a recovery", cut.Find("[data-testid=recovery-reason]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=use-totp]"));
    }

    [Fact]
    public async Task LoginPage_WrongBackupCodes_ShowsLockoutDialogWithSubmissionsLeft()
    {
        var cut = await AtBackupCodesAsync();

        await SubmitBackupCodesAsync(cut, "AAAA-BBBB-CCCC-DDDD", _alice.Codes[0]);

        var dialog = cut.Find("[data-testid=lockout-dialog]").TextContent;
        Assert.Contains("9 submissions left", dialog, StringComparison.Ordinal);
        Assert.Contains("nasdash console unlock alice", dialog, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=use-totp]"));
        Assert.Equal(1, SeededAccounts.Stored(Services, "alice").BackupFailures);
    }

    [Fact]
    public async Task LoginPage_LastBackupSubmissionLeft_SaysSoAndMentionsSsh()
    {
        SeededAccounts.ConfigureTwoFactor(Services, s => s with { MaxFailedBackupSubmissions = 3, SshTwoFactor = true });
        var cut = await AtBackupCodesAsync();

        await SubmitBackupCodesAsync(cut, "AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH");
        await SubmitBackupCodesAsync(cut, "AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH");

        var dialog = cut.Find("[data-testid=lockout-dialog]").TextContent;
        Assert.Contains("This is the last try", dialog, StringComparison.Ordinal);
        Assert.Contains("SSH sign-in", dialog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginPage_MalformedBackupCode_IsNotCounted()
    {
        var cut = await AtBackupCodesAsync();

        await SubmitBackupCodesAsync(cut, "too short", _alice.Codes[0]);

        Assert.Contains("16 letters and digits", cut.Find("[data-testid=login-error]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=lockout-dialog]"));
        Assert.Equal(0, SeededAccounts.Stored(Services, "alice").BackupFailures);
    }

    [Fact]
    public async Task LoginPage_ValidBackupCodesTypedLoosely_LeaveForEnrolmentTicket()
    {
        var cut = await AtBackupCodesAsync();

        await SubmitBackupCodesAsync(cut, _alice.Codes[0].ToLowerInvariant().Replace('-', ' '), _alice.Codes[1]);

        Assert.NotEmpty(PostedTicket(cut).Ticket);
        Assert.True(SeededAccounts.Stored(Services, "alice").MustEnrol);
    }

    [Fact]
    public async Task LoginPage_NWrongBackupSubmissions_ShowsSuperLockoutNoticeWithoutAnyForm()
    {
        SeededAccounts.ConfigureTwoFactor(Services, s => s with { MaxFailedBackupSubmissions = 3 });
        var cut = await AtBackupCodesAsync();

        for (var i = 0; i < 3; i++)
        {
            await SubmitBackupCodesAsync(cut, "AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH");
        }

        var notice = cut.Find("[data-testid=super-lockout]").TextContent;
        Assert.Contains("nasdash console unlock alice", notice, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("input"));
        Assert.Empty(cut.FindAll("form"));
    }

    [Fact]
    public async Task LoginPage_SuperLockedAccountWithCorrectPassword_ShowsOnlyTheNotice()
    {
        SuperLock("alice");
        var cut = Render<LoginPage>();

        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        Assert.Contains("nasdash console unlock alice", cut.Find("[data-testid=super-lockout-command]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("input"));
    }

    [Fact]
    public async Task LoginPage_SuperLockedAccountWithWrongPassword_RevealsNothing()
    {
        SuperLock("alice");
        var cut = Render<LoginPage>();

        await SubmitPasswordAsync(cut, "alice", "wrong password");

        Assert.Equal(LoginState.InvalidCredentialsMessage, cut.Find("[data-testid=login-error]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=super-lockout]"));
    }

    [Fact]
    public async Task LoginPage_ApplianceWideSuperLockout_NamesTheLockedAccountInTheCommand()
    {
        SeededAccounts.Create(Services, "bob");
        SeededAccounts.ConfigureTwoFactor(Services, s => s with { SuperLockScope = SuperLockScope.Appliance });
        SuperLock("bob");
        var settings = Services.GetRequiredService<ISettingsStore>();
        var current = settings.Get();
        current.ApplianceLockedBy = "bob";
        settings.Save(current);
        var cut = Render<LoginPage>();

        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        var notice = cut.Find("[data-testid=super-lockout]").TextContent;
        Assert.Contains("nasdash console unlock bob", notice, StringComparison.Ordinal);
        Assert.Contains("Web sign-in to this appliance is locked", notice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginPage_TWrongTotpCodes_ReplacesTotpByBackupCodesWithTheReason()
    {
        var cut = Render<LoginPage>();
        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        for (var i = 0; i < TwoFactorSettings.Defaults.TotpFailuresBeforeRecovery; i++)
        {
            await SubmitTotpAsync(cut, WrongCode());
        }

        Assert.Empty(cut.FindAll("#login-totp-input"));
        Assert.Equal(2, cut.FindAll("input[id^=backup-input-]").Count);
        Assert.Contains("Too many wrong authenticator codes", cut.Find("[data-testid=recovery-reason]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=use-totp]"));
        Assert.Equal(AccountState.Recovery, SeededAccounts.Stored(Services, "alice").State);
    }

    [Fact]
    public async Task LoginPage_AccountAlreadyInRecovery_AsksForBackupCodesRightAfterThePassword()
    {
        var account = SeededAccounts.Stored(Services, "alice").StartRecovery(DateTimeOffset.UtcNow);
        Services.GetRequiredService<IAccountStore>().Update(account);
        var cut = Render<LoginPage>();

        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        Assert.Empty(cut.FindAll("#login-totp-input"));
        Assert.Contains("This account is in recovery", cut.Find("[data-testid=recovery-reason]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, cut.FindAll("input[id^=backup-input-]").Count);
    }

    [Fact]
    public async Task LoginPage_RepeatedWrongPasswords_ShowsLiveCountdownThenThePasswordFormAgain()
    {
        var cut = Render<LoginPage>();

        for (var i = 0; i < 5; i++)
        {
            await SubmitPasswordAsync(cut, "alice", "wrong password");
        }

        Assert.Equal("0:30", cut.Find("[data-testid=login-throttled-countdown]").TextContent);
        Assert.Empty(cut.FindAll("#login-password-input"));

        Time.Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("0:20", cut.Find("[data-testid=login-throttled-countdown]").TextContent));

        Time.Advance(TimeSpan.FromSeconds(21));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#login-password-input")));
        Assert.Empty(cut.FindAll("[data-testid=login-throttled]"));
    }

    [Theory]
    [InlineData(-60)]
    [InlineData(60)]
    public async Task LoginPage_WallClockSetDuringAPause_CountdownGoesOnUndisturbed(int minutes)
    {
        var cut = Render<LoginPage>();
        for (var i = 0; i < 5; i++)
        {
            await SubmitPasswordAsync(cut, "alice", "wrong password");
        }

        Time.StepWall(TimeSpan.FromMinutes(minutes));
        Time.Advance(TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() => Assert.Equal("0:29", cut.Find("[data-testid=login-throttled-countdown]").TextContent));
        Time.Advance(TimeSpan.FromSeconds(30));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#login-password-input")));
    }

    [Fact]
    public async Task LoginPage_SecondFactorAfterTheChallengeExpired_AsksForThePasswordAgain()
    {
        var cut = Render<LoginPage>();
        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        Time.Advance(PendingSignIns.ChallengeLifetime + TimeSpan.FromSeconds(1));
        await SubmitTotpAsync(cut, _alice.TotpAt(Time.GetUtcNow()));

        Assert.NotNull(cut.Find("#login-password-input"));
        Assert.Equal(LoginState.ChallengeExpiredMessage, cut.Find("[data-testid=login-error]").TextContent.Trim());
        Assert.Equal("alice", cut.Find("#login-username-input").GetAttribute("value"));
    }

    [Fact]
    public void LoginPage_AfterARefusedTicket_ExplainsWhy()
    {
        Navigation.NavigateTo("/login?expired=1");

        var cut = Render<LoginPage>();

        Assert.Equal(LoginState.TicketExpiredMessage, cut.Find("[data-testid=login-error]").TextContent.Trim());
    }

    [Fact]
    public async Task LoginPage_RightAfterSetup_SaysSetupIsCompleteUntilTheFirstAnswer()
    {
        Navigation.NavigateTo(LoginFeature.AfterSetupPath);

        var cut = Render<LoginPage>();

        Assert.StartsWith("Setup is complete.", cut.Find("[data-testid=login-setup-done]").TextContent.Trim(), StringComparison.Ordinal);
        await SubmitPasswordAsync(cut, "alice", "wrong password");
        Assert.Empty(cut.FindAll("[data-testid=login-setup-done]"));
        Assert.Single(cut.FindAll("[data-testid=login-error]"));
    }

    [Fact]
    public void LoginPage_NotAfterSetup_HasNoSetupNote()
    {
        var cut = Render<LoginPage>();

        Assert.Empty(cut.FindAll("[data-testid=login-setup-done]"));
    }

    [Fact]
    public void LoginPage_AlreadySignedIn_GoesToTheReturnUrl()
    {
        Authorization.SetAuthorized("alice");
        Navigation.NavigateTo("/login?returnUrl=%2Faudit");

        Render<LoginPage>();

        Assert.EndsWith("/audit", Navigation.Uri, StringComparison.Ordinal);
    }

    private async Task<IRenderedComponent<LoginPage>> AtBackupCodesAsync()
    {
        var cut = Render<LoginPage>();
        await SubmitPasswordAsync(cut, "alice", _alice.Password);
        await cut.Find("[data-testid=use-backup-codes]").ClickAsync(new());
        return cut;
    }

    private void SuperLock(string userName)
    {
        var account = SeededAccounts.Stored(Services, userName).SuperLock(DateTimeOffset.UtcNow);
        Services.GetRequiredService<IAccountStore>().Update(account);
    }

    private string WrongCode()
    {
        var now = Time.GetUtcNow();
        var reach = TotpVerifier.SkewSteps + 5;
        var valid = Enumerable.Range(-reach, 2 * reach + 1).Select(k => _alice.TotpAt(now.AddSeconds(30 * k))).ToHashSet();
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !valid.Contains(c));
    }

    [Fact]
    public async Task LoginPage_SuperLockout_SaysThePrintedEnrolmentCodeIsTheWayBackIn()
    {
        SuperLock("alice");
        var cut = Render<LoginPage>();

        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        var sentence = cut.Find("[data-testid=super-lockout-enrolment-code]").TextContent;
        Assert.Contains("enrolment code: it is the way back in", sentence, StringComparison.Ordinal);
        Assert.Contains("even while sign-in is paused", sentence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginPage_EnrolmentCodeChoice_IsOfferedAtThePasswordStepAndWhilePaused()
    {
        var cut = Render<LoginPage>();
        Assert.Equal("I have an enrolment code", cut.Find("[data-testid=use-enrolment-code]").TextContent.Trim());

        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            await SubmitPasswordAsync(cut, "alice", "wrong password");
        }

        Assert.NotNull(cut.Find("[data-testid=login-throttled]"));
        Assert.NotNull(cut.Find("[data-testid=use-enrolment-code]"));
    }

    [Fact]
    public async Task LoginPage_EnrolmentCodeWhilePaused_GoesStraightToEnrolment()
    {
        var code = await SeededAccounts.ConsoleUnlockAsync(Services, "alice");
        var cut = Render<LoginPage>();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            await SubmitPasswordAsync(cut, "alice", "wrong password");
        }

        await SignInWithEnrolmentCodeAsync(cut, "alice", code, _alice.Password);

        Assert.NotNull(cut.Find("[data-testid=login-signing-in]"));
        Assert.NotEmpty(PostedTicket(cut).Ticket);
    }

    [Fact]
    public async Task LoginPage_WrongEnrolmentCode_SaysTheSameForEveryUserName()
    {
        await SeededAccounts.ConsoleUnlockAsync(Services, "alice");
        var messages = new List<string>();
        foreach (var user in new[] { "alice", "mallory" })
        {
            var cut = Render<LoginPage>();
            await SignInWithEnrolmentCodeAsync(cut, user, "ABCD-EFGH-JKMN-PQRS", _alice.Password);
            messages.Add(cut.Find("[data-testid=login-error]").TextContent.Trim());
        }

        Assert.Equal([SignInService.EnrolmentSignInRefusedMessage, SignInService.EnrolmentSignInRefusedMessage], messages);
    }

    [Fact]
    public async Task LoginPage_WrongPasswordTheDiskRefusesToRecord_SaysNothingWasCountedAndStaysUsable()
    {
        using var ctx = new DiskRefusingContext();
        var alice = SeededAccounts.Create(ctx.Services, "alice");
        var cut = ctx.Render<LoginPage>();

        ctx.Accounts.Refuses = true;
        await SubmitPasswordAsync(cut, "alice", "wrong password");

        Assert.Equal(StoreUnavailableException.AttemptNotRecorded, cut.Find("[data-testid=login-error]").TextContent.Trim());
        Assert.Equal(0, ctx.Accounts.FindByName("alice")!.PasswordFailures);
        ctx.Accounts.Refuses = false;
        await SubmitPasswordAsync(cut, "alice", alice.Password);
        Assert.NotNull(cut.Find("#login-totp-input"));
    }

    [Fact]
    public async Task LoginPage_WrongPasswordsTheDiskRefusesToRecord_StillPauseThisAddress()
    {
        using var ctx = new DiskRefusingContext();
        SeededAccounts.Create(ctx.Services, "alice");
        var cut = ctx.Render<LoginPage>();
        ctx.Accounts.Refuses = true;

        for (var i = 0; i < AddressThrottle.FailureBurst; i++)
        {
            await SubmitPasswordAsync(cut, "alice", $"guess {i}");
            Assert.Equal(StoreUnavailableException.AttemptNotRecorded, cut.Find("[data-testid=login-error]").TextContent.Trim());
        }

        await SubmitPasswordAsync(cut, "alice", "one guess too many");

        Assert.NotNull(cut.Find("[data-testid=login-throttled]"));
    }

    private sealed class DiskRefusingContext() : NasDashTestContext(services: services =>
        services.AddSingleton<IAccountStore>(sp => new RefusingAccounts(sp.GetRequiredService<LiteDbStore>())))
    {
        public RefusingAccounts Accounts => (RefusingAccounts)Get<IAccountStore>();
    }

    // The store's accounts, whose writes fail as LiteDbStore's do when the disk is full or read-only.
    private sealed class RefusingAccounts(LiteDbStore store) : IAccountStore
    {
        public bool Refuses { get; set; }

        public Account? FindByName(string userName) => store.FindByName(userName);
        public Account? FindById(Guid id) => store.FindById(id);
        public IReadOnlyList<Account> All() => store.All();
        public bool TryInsert(Account account) => store.TryInsert(account);
        public bool Delete(Guid id) => store.Delete(id);

        public void Update(Account account, params AuditEvent[] audit)
        {
            if (Refuses)
            {
                throw new StoreUnavailableException(new IOException("No space left on device"));
            }

            store.Update(account, audit);
        }
    }

    [Fact]
    public async Task LoginPage_BackupCodeWording_CountsNothingDown()
    {
        // Every code of the set stays valid until the set is replaced: no "unused", no "already used".
        var cut = await AtBackupCodesAsync();
        await SubmitBackupCodesAsync(cut, "AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH");

        Assert.DoesNotContain("unused", cut.Markup, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("already used", cut.Find("[data-testid=lockout-dialog]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginPage_RightCodeWhileTheClockIsOff_SaysSoAndCountsNothing()
    {
        var cut = Render<LoginPage>();
        await SubmitPasswordAsync(cut, "alice", _alice.Password);

        await SubmitTotpAsync(cut, _alice.TotpAt(Time.GetUtcNow() + TimeSpan.FromMinutes(62)));

        var message = cut.Find("[data-testid=login-error]").TextContent;
        Assert.Contains("That code is right, but for a time about 1 h 2 min ahead of this appliance's clock", message, StringComparison.Ordinal);
        Assert.Contains("Nothing was counted", message, StringComparison.Ordinal);
        Assert.Equal(0, SeededAccounts.Stored(Services, "alice").TotpFailures);
    }

    private static async Task SubmitPasswordAsync(IRenderedComponent<LoginPage> cut, string userName, string password)
    {
        await cut.Find("#login-username-input").ChangeAsync(new ChangeEventArgs { Value = userName });
        await cut.Find("#login-password-input").ChangeAsync(new ChangeEventArgs { Value = password });
        await cut.Find("form").SubmitAsync();
    }

    /// <summary>"I have an enrolment code", then user name, code and password in one submission.</summary>
    private static async Task SignInWithEnrolmentCodeAsync(IRenderedComponent<LoginPage> cut, string userName, string code, string password)
    {
        await cut.Find("button[data-testid=use-enrolment-code]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        await cut.Find("#login-username-input").ChangeAsync(new ChangeEventArgs { Value = userName });
        await cut.Find("#enrol-code-input").ChangeAsync(new ChangeEventArgs { Value = code });
        await cut.Find("#login-password-input").ChangeAsync(new ChangeEventArgs { Value = password });
        await cut.Find("form").SubmitAsync();
    }

    private static async Task SubmitTotpAsync(IRenderedComponent<LoginPage> cut, string code) =>
        await cut.Find("#login-totp-input").InputAsync(new ChangeEventArgs { Value = code });

    private static async Task SubmitBackupCodesAsync(IRenderedComponent<LoginPage> cut, params string[] codes)
    {
        for (var i = 0; i < codes.Length; i++)
        {
            await cut.Find($"#backup-input-{i + 1}-input").ChangeAsync(new ChangeEventArgs { Value = codes[i] });
        }

        await cut.Find("form").SubmitAsync();
    }
}
