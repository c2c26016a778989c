using Bunit;
using NasDash.Features.Setup;

namespace NasDash.Tests.Features.Setup;

public sealed class ReviewStepTests : SetupTestContext
{
    [Fact]
    public async Task Review_Policy_ShowsTheRulesThatApply()
    {
        var wizard = await ReadyWizardAsync("owner");
        var policy = TwoFactorSettings.Defaults with { RequiredCodesAtRecovery = 3, MaxFailedBackupSubmissions = 7, TotpFailuresBeforeRecovery = 4 };

        var cut = Render<ReviewStep>(p => p
            .Add(s => s.Administrator, wizard.Administrator!)
            .Add(s => s.Enrolment, wizard.Enrolment!)
            .Add(s => s.Policy, policy));

        var rows = cut.FindAll("[data-testid=setup-policy] tr").ToDictionary(r => r.Children[0].TextContent.Trim(), r => r.Children[1].TextContent.Trim());
        Assert.Equal("3", rows["Backup codes needed together for a recovery"]);
        Assert.Equal("7", rows["Failed backup-code attempts before super-lockout"]);
        Assert.Equal("4", rows["Wrong authenticator codes in a row before recovery is required"]);
        Assert.Equal("Required", rows["Two-factor sign-in required for every web administrator"]);
        Assert.Contains("owner", cut.Find("[data-testid=setup-review]").TextContent, StringComparison.Ordinal);
        Assert.Contains("10 codes", cut.Find("[data-testid=setup-review]").TextContent, StringComparison.Ordinal);
    }
}
