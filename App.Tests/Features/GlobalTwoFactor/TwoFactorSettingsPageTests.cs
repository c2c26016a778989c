using Bunit;
using NasDash.Features.GlobalTwoFactor;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.GlobalTwoFactor;

public sealed class TwoFactorSettingsPageTests : NasDashTestContext
{
    private IRenderedComponent<TwoFactorSettingsPage> RenderAs(SeededAdmin admin)
    {
        SignIn(admin);
        return Render<TwoFactorSettingsPage>();
    }

    private static void Set(IRenderedComponent<TwoFactorSettingsPage> cut, string testId, int value) =>
        InputOf(cut, testId).Input(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Render_Defaults_ShowsEverySettingWithItsDefault()
    {
        var cut = RenderAs(Seed("alice"));

        foreach (var id in new[] { "tf-enforce", "tf-window", "tf-code-count", "tf-required-codes", "tf-max-attempts", "tf-totp-failures", "tf-scope", "tf-ssh" })
        {
            Assert.NotNull(cut.Find($"[data-testid={id}]"));
        }

        Assert.Equal("1", InputOf(cut, "tf-window").GetAttribute("value"));
        Assert.Contains("0–4 steps either side · default 1", cut.Markup);
        Assert.Contains("1–5, at most the codes per user · default 2", cut.Markup);
        Assert.True(cut.Find("[data-testid=tf-save]").HasAttribute("disabled"));
    }

    [Fact]
    public void RequiredCodes_AboveCodesPerUser_ShowsTheCrossFieldMessage()
    {
        var cut = RenderAs(Seed("alice"));

        Set(cut, "tf-code-count", 4);
        Set(cut, "tf-required-codes", 5);

        Assert.Contains("Each user must get between 5 and 20 backup codes.", cut.Markup);
        Assert.Contains("Recovery cannot ask for more codes than each user is given.", cut.Markup);
        Assert.Contains("Correct the highlighted settings", cut.Find("[data-testid=tf-preview]").TextContent);
    }

    [Fact]
    public void Save_InvalidSettings_RefusesWithoutAskingForACode()
    {
        var cut = RenderAs(Seed("alice"));

        Set(cut, "tf-window", 9);
        cut.Find("[data-testid=tf-save]").Click();

        Assert.Contains("The tolerance window must be between 0 and 4", cut.Markup);
        Assert.Contains("Not saved", cut.Find("[data-testid=tf-refused]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=tf-step-up]"));
        Assert.Equal(1, Get<ISettingsStore>().Get().TwoFactor.TotpWindow);
    }

    [Fact]
    public void Preview_RaisingMAboveOneAdministratorsCodes_NamesThemAndWhatToDo()
    {
        var alice = Seed("alice");
        var bob = Seed("bob");
        TestAdministrators.GiveSetOf(Services, bob.Id, 2);
        var cut = RenderAs(alice);

        Set(cut, "tf-required-codes", 3);

        var impact = Assert.Single(cut.FindAll("[data-testid=tf-impact]"));
        Assert.Contains("bob", impact.TextContent);
        Assert.Contains("has a set of 2 backup codes; recovery would need 3.", impact.TextContent);
        Assert.Contains("generate a new set of backup codes at My account", impact.TextContent);
        Assert.DoesNotContain("left", impact.TextContent, StringComparison.Ordinal);
        Assert.Equal("false", impact.GetAttribute("data-blocking"));
        Assert.Contains("Backup codes needed together for a recovery", cut.Find("[data-testid=tf-change]").TextContent);
    }

    [Fact]
    public void Save_SettingsThatStrandTheOnlyAdministrator_AreRefused()
    {
        var alice = Seed("alice");
        TestAdministrators.GiveSetOf(Services, alice.Id, 2);
        var cut = RenderAs(alice);

        Set(cut, "tf-required-codes", 3);
        cut.Find("[data-testid=tf-save]").Click();

        Assert.Contains(cut.FindAll("[data-testid=tf-impact]"), i => i.GetAttribute("data-blocking") == "true");
        Assert.Contains("would strand the administrators", cut.Find("[data-testid=tf-refused]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=tf-step-up]"));
        Assert.Equal(2, Get<ISettingsStore>().Get().TwoFactor.RequiredCodesAtRecovery);
    }

    [Fact]
    public void Preview_EnforcingWithAnAdministratorWithout2fa_NamesThem()
    {
        var alice = Seed("alice");
        TestAdministrators.SeedUnenrolled(Services, "carol");
        var settings = Get<ISettingsStore>();
        var current = settings.Get();
        current.TwoFactor = current.TwoFactor with { EnforceForAdministrators = false };
        settings.Save(current);
        var cut = RenderAs(alice);

        InputOf(cut, "tf-enforce").Change(true);

        var impact = Assert.Single(cut.FindAll("[data-testid=tf-impact]"), i => i.TextContent.Contains("carol", StringComparison.Ordinal));
        Assert.Contains("must enrol an authenticator and save backup codes", impact.TextContent);
    }

    [Fact]
    public async Task Save_ValidChangeWithAFreshCode_SavesAndAuditsBeforeAndAfter()
    {
        var alice = Seed("alice");
        var cut = RenderAs(alice);

        Set(cut, "tf-required-codes", 3);
        cut.Find("[data-testid=tf-save]").Click();
        await StepUpAsync(cut, alice);

        Assert.Equal(3, Get<ISettingsStore>().Get().TwoFactor.RequiredCodesAtRecovery);
        var entry = Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "settings.")));
        Assert.Equal("saved", entry.Outcome);
        Assert.Equal("Backup codes needed together for a recovery: 2 → 3", entry.Detail);
        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=tf-save]").HasAttribute("disabled")));
    }

    [Fact]
    public async Task Save_WrongCode_SavesNothing()
    {
        var alice = Seed("alice");
        var cut = RenderAs(alice);

        Set(cut, "tf-max-attempts", 20);
        cut.Find("[data-testid=tf-save]").Click();
        InputOf(cut, "tf-step-up").Input("000000");
        await cut.Find("[data-testid=tf-step-up-confirm]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        Assert.Contains("That code is not valid", cut.Markup);
        Assert.Equal(10, Get<ISettingsStore>().Get().TwoFactor.MaxFailedBackupSubmissions);
    }
}
