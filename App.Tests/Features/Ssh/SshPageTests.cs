using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NasDash.Features.Ssh;
using NasDash.Security;

namespace NasDash.Tests.Features.Ssh;

/// <summary>The /services/ssh page over the real core; sshd is absent (an empty process table), as on a machine without it.</summary>
public sealed class SshPageTests : BunitContext
{
    // MudTextField puts the attribute on its input; a wrapper component would put it on its root.
    private const string StepUpInput = "input[data-testid=tf-step-up], [data-testid=tf-step-up] input";
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-ssh-page-").FullName;
    private readonly SshCore _core;
    private readonly TestAdministrator _alice;

    public SshPageTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        _core = new SshCore(Directory.CreateDirectory(Path.Combine(_directory, "sshd_config.d")).FullName,
            Path.Combine(_directory, "sshd.pid"), Path.Combine(_directory, "users.oath"), Path.Combine(_directory, "proc"));
        _core.SetSshTwoFactor(true);
        _alice = _core.AddAdministrator("alice");
        Services.AddSingleton(_core.Ssh);
        Services.AddSingleton(_core.Get<SecurityEvents>());
        Services.AddSingleton(_core.Get<StepUp>());
        Services.AddSingleton<IHttpContextAccessor>(new HttpContextAccessor());
        var authorization = AddAuthorization();
        authorization.SetAuthorized("alice");
        authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, _alice.Id.ToString()));
    }

    [Fact]
    public void Render_LoginAllowed_SaysAllowedWithoutEnableButton()
    {
        var page = Render<SshPage>();

        var status = page.Find("[data-testid=ssh-status]").TextContent;
        Assert.Contains("SSH login is allowed.", status, StringComparison.Ordinal);
        Assert.Contains("On: a lockout event shuts SSH off", status, StringComparison.Ordinal);
        Assert.Contains($"the sshd PID file {Path.Combine(_directory, "sshd.pid")} does not exist", status, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=ssh-enable]"));
    }

    [Fact]
    public void Render_LoginDisabled_ShowsWhenWhyWhatFailedAndEnableButton()
    {
        Disable();

        var page = Render<SshPage>();

        var status = page.Find("[data-testid=ssh-status]").TextContent;
        Assert.Contains("SSH login is disabled since", status, StringComparison.Ordinal);
        Assert.Contains("after a lockout event: super-lockout of carol.", status, StringComparison.Ordinal);
        Assert.Contains("SSH could not be disabled after a lockout event of carol: the sshd PID file", status, StringComparison.Ordinal);
        Assert.Contains("(present: every login refused)", status, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=ssh-enable]"));
        Assert.Empty(page.FindAll("[data-testid=tf-step-up]"));
    }

    [Fact]
    public void Enable_CorrectStepUpCode_ReEnablesLogin()
    {
        Disable();
        var page = Render<SshPage>();

        page.Find("[data-testid=ssh-enable]").Click();
        page.Find(StepUpInput).Input(_core.Get<TotpVerifier>().Current(_alice.TotpSecret));
        page.Find("[data-testid=tf-step-up-confirm]").Click();

        page.WaitForAssertion(() => Assert.Contains("SSH login is enabled again", page.Find("[data-testid=ssh-result]").TextContent, StringComparison.Ordinal));
        Assert.Contains("SSH login is allowed.", page.Find("[data-testid=ssh-status]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=ssh-enable]"));
        Assert.False(_core.Get<ISettingsStore>().Get().Ssh.LoginDisabled);
        Assert.Null(_core.OpenAlert(SshAccess.AlertKey));
        var audit = Assert.Single(_core.Audit("ssh.enabled"));
        Assert.Equal(("alice", "succeeded"), (audit.UserName, audit.Outcome));
        Assert.Equal("succeeded", Assert.Single(_core.Audit("stepup")).Outcome);
    }

    [Fact]
    public void Enable_WrongStepUpCode_StaysDisabled()
    {
        Disable();
        var page = Render<SshPage>();

        page.Find("[data-testid=ssh-enable]").Click();
        page.Find(StepUpInput).Input(WrongCode());
        page.Find("[data-testid=tf-step-up-confirm]").Click();

        page.WaitForAssertion(() => Assert.Contains("That code is not valid", page.Markup, StringComparison.Ordinal));
        Assert.True(_core.Get<ISettingsStore>().Get().Ssh.LoginDisabled);
        Assert.Empty(_core.Audit("ssh.enabled"));
        Assert.Contains("SSH login is disabled", page.Find("[data-testid=ssh-status]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void LockoutEvent_WhilePageOpen_ShowsDisabled()
    {
        var page = Render<SshPage>();

        _core.Get<SecurityEvents>().PublishLockout(new LockoutEvent(LockoutEventKind.MovedToRecovery, Guid.NewGuid(), "bob", null, DateTimeOffset.UtcNow));

        page.WaitForAssertion(() => Assert.Contains("after a lockout event: bob moved to recovery after repeated TOTP failures.",
            page.Find("[data-testid=ssh-status]").TextContent, StringComparison.Ordinal));
        Assert.Single(page.FindAll("[data-testid=ssh-enable]"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            CleanUp();
        }
    }

    // xunit disposes asynchronously when it can, which bypasses Dispose(bool).
    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        CleanUp();
    }

    private void CleanUp()
    {
        _core.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private void Disable() =>
        _core.Ssh.DisableLogin(new LockoutEvent(LockoutEventKind.SuperLocked, Guid.NewGuid(), "carol", null, DateTimeOffset.UtcNow));

    private string WrongCode()
    {
        var valid = _core.Get<TotpVerifier>().Current(_alice.TotpSecret);
        return valid == "000000" ? "000001" : "000000";
    }
}
