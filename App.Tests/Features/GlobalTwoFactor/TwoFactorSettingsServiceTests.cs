using NasDash.Features.Alerts;
using NasDash.Features.GlobalTwoFactor;
using NasDash.Tests.TestSupport;
using TwoFactorPolicy = NasDash.Security.Accounts.TwoFactorSettings;

namespace NasDash.Tests.Features.GlobalTwoFactor;

public sealed class TwoFactorSettingsServiceTests : NasDashTestContext
{
    private TwoFactorSettingsService Service => Get<TwoFactorSettingsService>();

    private Task<SaveSettingsResult> SaveAsAsync(SeededAdmin admin, TwoFactorPolicy proposed)
    {
        SignIn(admin);
        return Service.SaveAsync(proposed);
    }

    private async Task GrantAsync(SeededAdmin admin) =>
        Assert.Equal(StepUpOutcome.Accepted, await Get<StepUp>().VerifyAsync(admin.Id, await admin.NextCodeAsync(Time), StepUpPurpose.SaveTwoFactorSettings, null,
            TestContext.Current.CancellationToken));

    [Fact]
    public async Task Save_WithoutStepUp_SavesNothing()
    {
        var alice = Seed("alice");

        var result = await SaveAsAsync(alice, TwoFactorPolicy.Defaults with { TotpWindow = 2 });

        Assert.IsType<SaveSettingsResult.StepUpRequired>(result);
        Assert.Equal(1, Get<ISettingsStore>().Get().TwoFactor.TotpWindow);
    }

    [Fact]
    public async Task Save_InvalidSettings_AreRefusedEvenAfterStepUp()
    {
        var alice = Seed("alice");
        await GrantAsync(alice);

        var result = await SaveAsAsync(alice, TwoFactorPolicy.Defaults with { CodesPerUser = 4, RequiredCodesAtRecovery = 5 });

        var invalid = Assert.IsType<SaveSettingsResult.Invalid>(result);
        Assert.Contains(nameof(TwoFactorPolicy.RequiredCodesAtRecovery), invalid.Errors.Keys);
        Assert.Equal(2, Get<ISettingsStore>().Get().TwoFactor.RequiredCodesAtRecovery);
    }

    [Fact]
    public async Task Save_StepUpGrant_IsSingleUse()
    {
        var alice = Seed("alice");
        await GrantAsync(alice);

        Assert.IsType<SaveSettingsResult.Saved>(await SaveAsAsync(alice, TwoFactorPolicy.Defaults with { TotpWindow = 2 }));
        Assert.IsType<SaveSettingsResult.StepUpRequired>(await SaveAsAsync(alice, TwoFactorPolicy.Defaults with { TotpWindow = 3 }));
        Assert.Equal(2, Get<ISettingsStore>().Get().TwoFactor.TotpWindow);
    }

    [Fact]
    public async Task Save_StepUpGrant_ExpiresAfterFiveMinutes()
    {
        var alice = Seed("alice");
        await GrantAsync(alice);
        Time.Advance(StepUp.GrantLifetime + TimeSpan.FromSeconds(1));

        Assert.IsType<SaveSettingsResult.StepUpRequired>(await SaveAsAsync(alice, TwoFactorPolicy.Defaults with { TotpWindow = 2 }));
    }

    [Fact]
    public async Task Save_RaisingMAboveEveryAdministratorsCodes_IsRefusedAndAudited()
    {
        var alice = Seed("alice");
        TestAdministrators.GiveSetOf(Services, alice.Id, 2);
        await GrantAsync(alice);

        var result = await SaveAsAsync(alice, TwoFactorPolicy.Defaults with { RequiredCodesAtRecovery = 3 });

        Assert.IsType<SaveSettingsResult.Refused>(result);
        Assert.Equal(2, Get<ISettingsStore>().Get().TwoFactor.RequiredCodesAtRecovery);
        Assert.Equal("refused", Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "settings."))).Outcome);
    }

    [Fact]
    public void Preview_AnotherAdministratorKeepsEnoughCodes_DoesNotRefuse()
    {
        var alice = Seed("alice");
        Seed("bob");
        TestAdministrators.GiveSetOf(Services, alice.Id, 1);

        var preview = Service.Preview(TwoFactorPolicy.Defaults with { RequiredCodesAtRecovery = 3 });

        Assert.False(preview.Refused);
        Assert.Contains(preview.Impacts, i => i.UserName == "alice");
    }

    [Fact]
    public void Preview_AlreadyLowBeforeTheChange_DoesNotRefuseUnrelatedChanges()
    {
        var alice = Seed("alice");
        TestAdministrators.GiveSetOf(Services, alice.Id, 1);

        var preview = Service.Preview(TwoFactorPolicy.Defaults with { SshTwoFactor = true });

        Assert.False(preview.Refused);
    }

    [Fact]
    public async Task Save_RaisingMAboveAnotherAdministratorsSet_RaisesNoBackupCodeAlert()
    {
        var alice = Seed("alice");
        var bob = Seed("bob");
        TestAdministrators.GiveSetOf(Services, bob.Id, 2);
        await GrantAsync(alice);

        Assert.IsType<SaveSettingsResult.Saved>(await SaveAsAsync(alice, TwoFactorPolicy.Defaults with { RequiredCodesAtRecovery = 3 }));

        // The preview names bob; no alert counts codes, as a recovery replaces the whole set.
        Assert.Empty(Get<IAlertStore>().Open());
    }
}
