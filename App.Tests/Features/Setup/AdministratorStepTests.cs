using Bunit;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Features.Setup;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Setup;

public sealed class AdministratorStepTests : SetupTestContext
{
    [Theory]
    [InlineData("Admin", TestPasswords.Default, TestPasswords.Default, "setup-username", UserNameRules.Message)]
    [InlineData("owner", "short", "short", "setup-password", "Use at least 12 characters.")]
    [InlineData("owner", "owner-and-more-2026", "owner-and-more-2026", "setup-password", "The password must not contain the user name.")]
    [InlineData("owner", "password1234", "password1234", "setup-password", "This password is too common or too simple; choose another.")]
    [InlineData("owner", TestPasswords.Default, "something else entirely", "setup-password-confirm", "The two passwords do not match.")]
    public async Task Submit_InvalidInput_MessageUnderTheField(string userName, string password, string confirmation, string field, string message)
    {
        var (cut, wizard) = RenderStep();
        Fill(cut, userName, password, confirmation);

        Assert.False(await cut.InvokeAsync(() => cut.Instance.SubmitAsync()));

        Assert.Equal(message, ErrorUnder(cut, field));
        Assert.Null(wizard.Administrator);
    }

    [Fact]
    public async Task Typing_ShortPassword_MessageShownBeforeSubmitting()
    {
        var (cut, _) = RenderStep();

        await cut.InvokeAsync(() => cut.Find("input[data-testid=setup-password]").Input("short"));

        cut.WaitForAssertion(() => Assert.Equal("Use at least 12 characters.", ErrorUnder(cut, "setup-password")));
    }

    [Fact]
    public async Task Submit_ValidInput_WizardHoldsTheNameAndAHashAndFieldsAreCleared()
    {
        var (cut, wizard) = RenderStep();
        Fill(cut, "owner", TestPasswords.Default, TestPasswords.Default);

        Assert.True(await cut.InvokeAsync(() => cut.Instance.SubmitAsync()));

        Assert.Equal("owner", wizard.Administrator!.UserName);
        Assert.Equal("owner", wizard.Enrolment!.UserName);
        Assert.Equal("", cut.Find("input[data-testid=setup-password]").GetAttribute("value") ?? "");
        Assert.Equal("", cut.Find("input[data-testid=setup-password-confirm]").GetAttribute("value") ?? "");
    }

    [Fact]
    public async Task Submit_BackWithEmptyPasswords_KeepsTheChosenAdministrator()
    {
        var wizard = await ReadyWizardAsync("owner");
        var chosen = wizard.Administrator;
        var cut = Render<AdministratorStep>(p => p.Add(s => s.Wizard, wizard));

        Assert.Equal("owner", cut.Find("input[data-testid=setup-username]").GetAttribute("value"));
        Assert.True(await cut.InvokeAsync(() => cut.Instance.SubmitAsync()));
        Assert.Same(chosen, wizard.Administrator);
        Assert.True(wizard.CanFinish);
    }

    private (IRenderedComponent<AdministratorStep> Cut, SetupWizard Wizard) RenderStep()
    {
        var wizard = Services.GetRequiredService<SetupWizard>();
        return (Render<AdministratorStep>(p => p.Add(s => s.Wizard, wizard)), wizard);
    }

    private static void Fill(IRenderedComponent<AdministratorStep> cut, string userName, string password, string confirmation)
    {
        cut.Find("input[data-testid=setup-username]").Input(userName);
        cut.Find("input[data-testid=setup-password]").Input(password);
        cut.Find("input[data-testid=setup-password-confirm]").Input(confirmation);
    }

    private static string? ErrorUnder(IRenderedComponent<AdministratorStep> cut, string field) =>
        cut.Find($"input[data-testid={field}]").Closest(".mud-input-control")?
            .QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim();
}
