using Bunit;
using NasDash.Features.Api;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Api;

public sealed class ApiTokensPanelTests : NasDashTestContext
{
    [Fact]
    public async Task Create_AfterTheStepUp_ShowsTheTokenOnceAndListsIt()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var cut = Render<ApiTokensPanel>();
        Assert.Equal("No API token.", cut.Find("[data-testid=token-list]").TextContent.Trim());

        cut.Find("[data-testid=token-add] button, button[data-testid=token-add]").Click();
        InputOf(cut, "token-name").Input("Prometheus");
        InputOf(cut, "token-scope-metrics").Change(true);
        InputOf(cut, "token-scope-read").Change(false);
        InputOf(cut, "token-lifetime").Change("30");
        cut.Find("[data-testid=token-create] button, button[data-testid=token-create]").Click();
        Assert.Empty(Get<IApiTokenStore>().AllTokens());
        await StepUpAsync(cut, alice);

        var value = cut.WaitForElement("[data-testid=token-value]").TextContent.Trim();
        Assert.Matches("^nasdash_[a-z2-7]{52}$", value);
        var stored = Assert.Single(Get<IApiTokenStore>().AllTokens());
        Assert.Equal((ApiScopes.Metrics, ApiTokens.HashOf(value), Time.GetUtcNow().AddDays(30)), (stored.Scopes, stored.Hash, stored.ExpiresAt));
        var row = cut.Find("[data-testid=token-row]").TextContent;
        Assert.Contains("Prometheus", row, StringComparison.Ordinal);
        Assert.Contains("metrics", row, StringComparison.Ordinal);
        Assert.Contains(value[..12], row, StringComparison.Ordinal);
        Assert.DoesNotContain(value, row, StringComparison.Ordinal);

        cut.Find("[data-testid=token-done] button, button[data-testid=token-done]").Click();
        Assert.Empty(cut.FindAll("[data-testid=token-value]"));
    }

    [Fact]
    public async Task Revoke_AfterTheConfirmation_TakesTheTokenOffTheList()
    {
        var alice = Seed("alice");
        SignIn(alice);
        Assert.Equal(StepUpOutcome.Accepted, await Get<StepUp>().VerifyAsync(alice.Id, await alice.NextCodeAsync(Time), ApiTokens.CreatePurpose, null, Xunit.TestContext.Current.CancellationToken));
        var minted = Assert.IsType<ApiTokenMinting.Minted>(Get<ApiTokens>().Mint(alice.Id, "backup script", ApiScopes.Read, 90, null));
        var cut = Render<ApiTokensPanel>();

        cut.Find("[data-testid=token-revoke] button, button[data-testid=token-revoke]").Click();
        Assert.Single(Get<IApiTokenStore>().AllTokens());
        cut.Find("[data-testid=token-revoke-confirm] button, button[data-testid=token-revoke-confirm]").Click();

        Assert.Empty(Get<IApiTokenStore>().AllTokens());
        Assert.Equal("No API token.", cut.Find("[data-testid=token-list]").TextContent.Trim());
        Assert.IsType<ApiTokenCheck.Refused>(Get<ApiTokens>().Check("Bearer " + minted.Token, null));
    }

    [Fact]
    public async Task Create_WithoutAName_SaysWhatIsMissingAndStoresNothing()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var cut = Render<ApiTokensPanel>();

        cut.Find("[data-testid=token-add] button, button[data-testid=token-add]").Click();
        cut.Find("[data-testid=token-create] button, button[data-testid=token-create]").Click();
        await StepUpAsync(cut, alice);

        Assert.Contains("Give the token a name", cut.Find("[data-testid=token-error]").TextContent, StringComparison.Ordinal);
        Assert.Empty(Get<IApiTokenStore>().AllTokens());
    }
}
