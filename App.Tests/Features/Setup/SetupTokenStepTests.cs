using Bunit;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Features.Setup;

namespace NasDash.Tests.Features.Setup;

public sealed class SetupTokenStepTests : SetupTestContext
{
    [Fact]
    public async Task Submit_WrongToken_ExplainsUnderTheField()
    {
        var (cut, wizard) = RenderStep();
        cut.Find("input[data-testid=setup-token]").Input("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF");

        Assert.False(await cut.InvokeAsync(() => cut.Instance.Submit()));

        Assert.Contains("That is not the setup token", cut.Find(".mud-input-helper-text").TextContent, StringComparison.Ordinal);
        Assert.False(wizard.TokenAccepted);
    }

    [Fact]
    public async Task Submit_TooManyWrongTokens_SaysWhenToTryAgain()
    {
        var (cut, _) = RenderStep();
        cut.Find("input[data-testid=setup-token]").Input("wrong");
        for (var i = 0; i < SetupTokenThrottle.FreeFailuresPerClient; i++)
        {
            await cut.InvokeAsync(() => cut.Instance.Submit());
        }

        await cut.InvokeAsync(() => cut.Instance.Submit());

        Assert.Contains("Too many wrong tokens: try again in 2 s.", cut.Find(".mud-input-helper-text").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_RightToken_AcceptedAndFieldReplacedByConfirmation()
    {
        var (cut, wizard) = RenderStep();
        cut.Find("input[data-testid=setup-token]").Input(Token().ToLowerInvariant());

        Assert.True(await cut.InvokeAsync(() => cut.Instance.Submit()));

        Assert.True(wizard.TokenAccepted);
        Assert.Empty(cut.FindAll("[data-testid=setup-token]"));
        Assert.Contains("Setup token accepted", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Enter_InTheField_AsksThePageToMoveOn()
    {
        var submitted = 0;
        var (cut, _) = RenderStep(() => submitted++);

        cut.Find("input[data-testid=setup-token]").KeyDown("Enter");

        Assert.Equal(1, submitted);
    }

    private (IRenderedComponent<SetupTokenStep> Cut, SetupWizard Wizard) RenderStep(Action? onSubmit = null)
    {
        var wizard = Services.GetRequiredService<SetupWizard>();
        var cut = Render<SetupTokenStep>(p => p
            .Add(s => s.Wizard, wizard)
            .Add(s => s.OnSubmit, onSubmit ?? (() => { })));
        return (cut, wizard);
    }
}
