using Bunit;
using Microsoft.AspNetCore.Components;
using NasDash.Features.Login;
using NasDash.Features.Setup;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Setup;

public sealed class SetupPageTests : SetupTestContext
{
    public SetupPageTests()
    {
        JSInterop.Setup<bool>("nasdash.downloadFromStream", _ => true).SetResult(true);
    }

    [Fact]
    public void Page_Opened_StartsWithTheTokenStep()
    {
        var cut = Render<SetupPage>();

        Assert.Single(cut.FindAll("input[data-testid=setup-token]"));
        Assert.False(Button(cut, "setup-next").HasAttribute("disabled"));
        Assert.True(Button(cut, "setup-back").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=setup-finish]"));
    }

    [Fact]
    public void Page_TokenNotRequired_StartsWithTheAdministrator()
    {
        using var context = new NoTokenContext();
        var cut = context.Render<SetupPage>();

        Assert.Empty(cut.FindAll("[data-testid=setup-token]"));
        Assert.Single(cut.FindAll("input[data-testid=setup-username]"));
    }

    [Fact]
    public async Task Page_AlreadySetUp_SendsToLogin()
    {
        await (await ReadyWizardAsync("owner")).FinishAsync(Xunit.TestContext.Current.CancellationToken);

        Render<SetupPage>();

        Assert.EndsWith("/login", Get<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_WrongToken_StaysOnTheTokenStep()
    {
        var cut = Render<SetupPage>();
        cut.Find("input[data-testid=setup-token]").Input("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF");

        Button(cut, "setup-next").Click();

        cut.WaitForAssertion(() => Assert.Contains("That is not the setup token", cut.Markup, StringComparison.Ordinal));
        Assert.Single(cut.FindAll("input[data-testid=setup-token]"));
    }

    [Fact]
    public void Authenticator_AfterAdministrator_ShowsQrSvgTheGroupedSecretAndTheAppLabel()
    {
        var cut = Render<SetupPage>();
        PassTokenAndAdministrator(cut);

        var qr = cut.Find("[data-testid=totp-qr]");
        Assert.NotNull(qr.QuerySelector("svg"));
        var secret = cut.Find("[data-testid=totp-secret]");
        var base32 = secret.GetAttribute("data-secret")!;
        Assert.Equal(32, base32.Length);
        Assert.Equal(string.Join(' ', base32.Chunk(4).Select(c => new string(c))), secret.TextContent.Trim());
        Assert.Contains($"NasDash ({Host}) · owner", string.Join(' ', cut.Find(".mud-paper").TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.True(Button(cut, "setup-next").HasAttribute("disabled"));
    }

    [Fact]
    public void Finish_DisabledUntilDownloadedAndConfirmed_ThenCreatesTheAdministratorAndGoesToLoginWithTheSetUpNote()
    {
        var cut = Render<SetupPage>();
        PassTokenAndAdministrator(cut);
        VerifyAuthenticator(cut);

        cut.WaitForAssertion(() => Assert.Equal(10, cut.FindAll("[data-testid=backup-code]").Count));
        Assert.True(Button(cut, "setup-next").HasAttribute("disabled"));
        Assert.True(Checkbox(cut).HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=setup-finish]"));

        Button(cut, "backup-download-txt").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=backup-downloaded]")));
        Assert.True(Button(cut, "setup-next").HasAttribute("disabled"));

        Checkbox(cut).Change(true);
        cut.WaitForAssertion(() => Assert.False(Button(cut, "setup-next").HasAttribute("disabled")));
        Button(cut, "setup-next").Click();

        cut.WaitForAssertion(() => Assert.False(Button(cut, "setup-finish").HasAttribute("disabled")));
        Assert.Empty(Get<IAccountStore>().All());
        Button(cut, "setup-finish").Click();

        cut.WaitForAssertion(() => Assert.EndsWith(LoginFeature.AfterSetupPath, Get<NavigationManager>().Uri, StringComparison.Ordinal));
        Assert.True(Assert.Single(Get<IAccountStore>().All()).SecondFactor.IsEnrolled);
    }

    [Fact]
    public async Task Back_FromCodesToAdministrator_KeepsTheEnrolmentWhenTheNameStays()
    {
        var cut = Render<SetupPage>();
        PassTokenAndAdministrator(cut);
        VerifyAuthenticator(cut);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=backup-code]")));

        // Each click waits for the step it leads to: a re-render between finding a button and clicking it drops the click.
        await cut.InvokeAsync(() => Button(cut, "setup-back").Click());
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=totp-verified]")));
        await cut.InvokeAsync(() => Button(cut, "setup-back").Click());
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("input[data-testid=setup-username]")));
        await cut.InvokeAsync(() => Button(cut, "setup-next").Click());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=totp-verified]")));
        Assert.False(Button(cut, "setup-next").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Page_SetUpFromAnotherBrowser_SaysSoAndDoesNotCreateASecondAdministrator()
    {
        var cut = Render<SetupPage>();
        PassTokenAndAdministrator(cut);

        await (await ReadyWizardAsync("other")).FinishAsync(Xunit.TestContext.Current.CancellationToken);

        cut.WaitForAssertion(() => Assert.Contains("set up from another browser", cut.Find("[data-testid=setup-done-elsewhere]").TextContent, StringComparison.Ordinal));
        Assert.Equal("other", Assert.Single(Get<IAccountStore>().All()).UserName);
        Assert.Empty(cut.FindAll("[data-testid=setup-next]"));
    }

    [Fact]
    public void Authenticator_WrongCode_SaysSoAndIsAuditedWithTheClient()
    {
        ConnectFrom("192.0.2.44");
        var cut = Render<SetupPage>();
        PassTokenAndAdministrator(cut);
        var secret = cut.Find("[data-testid=totp-secret]").GetAttribute("data-secret")!;
        var right = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(Time.GetUtcNow().UtcDateTime);
        var wrong = right == "123456" ? "654321" : "123456";

        cut.Find("input[data-testid=totp-code]").Input(wrong);
        Button(cut, "totp-verify").Click();

        cut.WaitForAssertion(() => Assert.Contains("does not match", cut.Markup, StringComparison.Ordinal));
        var entry = Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "enrolment.authenticator-check", Take: 10)));
        Assert.Equal(("owner", "192.0.2.44", "failed"), (entry.UserName, entry.ClientAddress, entry.Outcome));
        Assert.DoesNotContain(wrong, entry.Detail ?? "", StringComparison.Ordinal);
    }

    private void PassTokenAndAdministrator(IRenderedComponent<SetupPage> cut)
    {
        cut.Find("input[data-testid=setup-token]").Input(Token());
        Button(cut, "setup-next").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("input[data-testid=setup-username]")));
        cut.Find("input[data-testid=setup-username]").Input("owner");
        cut.Find("input[data-testid=setup-password]").Input(TestPasswords.Default);
        cut.Find("input[data-testid=setup-password-confirm]").Input(TestPasswords.Default);
        Button(cut, "setup-next").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=totp-qr]")));
    }

    private void VerifyAuthenticator(IRenderedComponent<SetupPage> cut)
    {
        var secret = cut.Find("[data-testid=totp-secret]").GetAttribute("data-secret")!;
        var code = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(Time.GetUtcNow().UtcDateTime);
        cut.Find("input[data-testid=totp-code]").Input(code);
        Button(cut, "totp-verify").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=totp-verified]")));
        Button(cut, "setup-next").Click();
    }

    private static AngleSharp.Dom.IElement Button(IRenderedComponent<SetupPage> cut, string testId) =>
        cut.Find($"button[data-testid={testId}], [data-testid={testId}] button");

    private static AngleSharp.Dom.IElement Checkbox(IRenderedComponent<SetupPage> cut) =>
        cut.Find("input[data-testid=backup-saved], [data-testid=backup-saved] input");

    private sealed class NoTokenContext() : SetupTestContext(new Dictionary<string, string?> { ["NasDash:Setup:RequireToken"] = "false" });
}
