using Bunit;
using NasDash.Features.Users;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Users;

public sealed class UsersPageTests : NasDashTestContext
{
    private static AngleSharp.Dom.IElement RowOf(IRenderedComponent<UsersPage> cut, string user) =>
        cut.FindAll("[data-testid=users-table] tbody tr").Single(r => r.QuerySelector("[data-testid=user-name]")?.TextContent == user);

    [Fact]
    public void Table_EveryState_ShowsARowPerUserWithItsState()
    {
        var alice = Seed("alice");
        var bob = Seed("bob");
        var carol = Seed("carol");
        TestAdministrators.SeedUnenrolled(Services, "dave");
        TestAdministrators.Adjust(Services, carol.Id, a => a.SuperLock(Time.GetUtcNow()));
        SignIn(alice);

        var cut = Render<UsersPage>();

        Assert.Equal(4, cut.FindAll("[data-testid=users-table] tbody tr").Count);
        Assert.Equal("Normal", RowOf(cut, "alice").QuerySelector("[data-testid=user-state]")!.GetAttribute("data-state"));
        Assert.Equal("a set of 10", RowOf(cut, "alice").QuerySelector("[data-testid=user-codes]")!.TextContent.Trim());
        Assert.Contains("made 2026-01-01 00:00 UTC", RowOf(cut, "alice").TextContent);
        Assert.Contains("you", RowOf(cut, "alice").TextContent);
        Assert.DoesNotContain(" left", cut.Find("[data-testid=users-table]").TextContent, StringComparison.Ordinal);
        Assert.Equal("none yet", RowOf(cut, "dave").QuerySelector("[data-testid=user-codes]")!.TextContent.Trim());
        Assert.Equal("Not enrolled", RowOf(cut, "dave").QuerySelector("[data-testid=user-2fa]")!.TextContent.Trim());
        var locked = RowOf(cut, "carol");
        Assert.Equal("SuperLocked", locked.QuerySelector("[data-testid=user-state]")!.GetAttribute("data-state"));
        Assert.Contains("since 2026-01-01 00:00 UTC", locked.TextContent);
        Assert.Contains("nasdash console unlock carol", locked.QuerySelector("[data-testid=user-console-command]")!.TextContent);
        Assert.Null(locked.QuerySelector("[data-testid=user-actions]"));
    }

    [Fact]
    public void Table_RecoveryAndThrottled_ShowSinceAndUntil()
    {
        var alice = Seed("alice");
        var bob = Seed("bob");
        var carol = Seed("carol");
        TestAdministrators.Adjust(Services, bob.Id, a => a.StartRecovery(Time.GetUtcNow()));
        // The eighth wrong password throttles for 4 minutes.
        TestAdministrators.Adjust(Services, carol.Id, a => a.FailPasswords(8, Time.GetUtcNow()));
        SignIn(alice);

        var cut = Render<UsersPage>();

        Assert.Contains("backup codes only since 2026-01-01 00:00 UTC", RowOf(cut, "bob").TextContent);
        Assert.Equal("Throttled", RowOf(cut, "carol").QuerySelector("[data-testid=user-state]")!.GetAttribute("data-state"));
        Assert.Contains("until 2026-01-01 00:04 UTC", RowOf(cut, "carol").TextContent);
    }

    [Fact]
    public void ActionsMenu_OfAnAdministratorWithoutASecondFactor_OffersANewEnrolmentCodeNotAReset()
    {
        var alice = Seed("alice");
        TestAdministrators.SeedUnenrolled(Services, "dave");
        SignIn(alice);
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var cut = Render<UsersPage>();

        RowOf(cut, "dave").QuerySelector("[data-testid=user-actions] button")!.Click();

        var item = popovers.Find("[data-testid=user-reset-2fa]").TextContent;
        Assert.Contains("New enrolment code", item, StringComparison.Ordinal);
        Assert.DoesNotContain("Reset", item, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetSecondFactor_WithStepUp_ClearsTheirFactorAndShowsNotEnrolled()
    {
        var alice = Seed("alice");
        var bob = Seed("bob");
        SignIn(alice);
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var dialogs = Render<MudBlazor.MudDialogProvider>();
        var cut = Render<UsersPage>();

        cut.FindAll("[data-testid=users-table] tbody tr [data-testid=user-actions] button")[1].Click();
        popovers.Find("[data-testid=user-reset-2fa]").Click();
        await StepUpAsync(dialogs, alice);

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=tf-step-up]")));
        var stored = Get<IAccountStore>().FindById(bob.Id)!;
        Assert.False(stored.SecondFactor.IsEnrolled);
        Assert.True(stored.MustEnrol);
        cut.WaitForAssertion(() => Assert.Equal("Not enrolled", RowOf(cut, "bob").QuerySelector("[data-testid=user-2fa]")!.TextContent.Trim()));
        var shown = dialogs.WaitForElement("[data-testid=users-enrolment-code]").TextContent.Trim();
        Assert.True(stored.EnrolmentCode.Matches(BackupCodes.Normalize(shown)!), $"The dialog showed {shown}, not bob's enrolment code.");

        dialogs.Find("button[data-testid=users-enrolment-code-done]").Click();
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=users-enrolment-code]")));
    }

    [Fact]
    public void Create_InvalidPassword_ShowsTheValidatorsMessageAndNoStepUp()
    {
        SignIn(Seed("alice"));
        var dialogs = Render<MudBlazor.MudDialogProvider>();
        var cut = Render<UsersPage>();

        cut.Find("[data-testid=users-create]").Click();
        InputOf(dialogs, "users-new-username").Input("erin");
        InputOf(dialogs, "users-new-password").Input("short");
        InputOf(dialogs, "users-new-password-confirm").Input("short");
        dialogs.Find("[data-testid=users-create-continue]").Click();

        Assert.Contains("Use at least 12 characters.", dialogs.Markup);
        Assert.Empty(dialogs.FindAll("[data-testid=tf-step-up]"));
    }

    [Fact]
    public async Task Create_ValidAdministratorAndStepUp_ClosesTheDialogAndAddsTheRow()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var dialogs = Render<MudBlazor.MudDialogProvider>();
        var cut = Render<UsersPage>();

        cut.Find("[data-testid=users-create]").Click();
        InputOf(dialogs, "users-new-username").Input("erin");
        InputOf(dialogs, "users-new-password").Input("a different long passphrase");
        InputOf(dialogs, "users-new-password-confirm").Input("a different long passphrase");
        dialogs.Find("[data-testid=users-create-continue]").Click();
        await StepUpAsync(dialogs, alice);

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=users-action]")));
        cut.WaitForAssertion(() => Assert.Equal("Not enrolled", RowOf(cut, "erin").QuerySelector("[data-testid=user-2fa]")!.TextContent.Trim()));
    }

    [Fact]
    public void ForcePasswordChange_Confirmed_SetsTheFlagAndShowsIt()
    {
        var alice = Seed("alice");
        var bob = Seed("bob");
        SignIn(alice);
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var dialogs = Render<MudBlazor.MudDialogProvider>();
        var cut = Render<UsersPage>();

        RowOf(cut, "bob").QuerySelector("[data-testid=user-actions] button")!.Click();
        popovers.Find("[data-testid=user-force-password]").Click();
        dialogs.Find("[data-testid=users-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Contains("password change due", RowOf(cut, "bob").TextContent));
        Assert.True(Get<IAccountStore>().FindById(bob.Id)!.MustChangePassword);
    }

    [Fact]
    public void Menu_OwnRow_OffersOnlyWhatTheServiceAllows()
    {
        SignIn(Seed("alice"));
        Seed("bob");
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var cut = Render<UsersPage>();

        RowOf(cut, "alice").QuerySelector("[data-testid=user-actions] button")!.Click();

        Assert.Single(popovers.FindAll("[data-testid=user-delete]"));
        Assert.Empty(popovers.FindAll("[data-testid=user-reset-2fa]"));
        Assert.Empty(popovers.FindAll("[data-testid=user-force-password]"));
    }
}
