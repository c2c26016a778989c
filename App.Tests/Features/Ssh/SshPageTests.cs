using Bunit;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Features.Ssh;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Ssh;

/// <summary>The /services/ssh page over the real core; sshd is absent (an empty process table), as on a machine without it.</summary>
public sealed class SshPageTests : NasDashTestContext
{
    private readonly SeededAdmin _alice;

    public SshPageTests()
        : base(services: s => s.AddSingleton(new ProcessTable(Path.Combine(Path.GetTempPath(), "nasdash-no-proc"))))
    {
        // TestCore.Settings puts the SSH paths under the data directory.
        Directory.CreateDirectory(Path.Combine(DataDirectory, "ssh", "sshd_config.d"));
        _alice = Seed("alice");
        SignIn(_alice);
        var settings = Get<ISettingsStore>();
        var current = settings.Get();
        current.TwoFactor = current.TwoFactor with { SshTwoFactor = true };
        settings.Save(current);
    }

    private SshLogin Ssh => Get<SshLogin>();
    private string PidFile => Path.Combine(DataDirectory, "ssh", "sshd.pid");

    [Fact]
    public void Render_LoginAllowed_SaysAllowedWithoutEnableButton()
    {
        var page = Render<SshPage>();

        var status = page.Find("[data-testid=ssh-status]").TextContent;
        Assert.Contains("SSH sign-in is allowed.", status, StringComparison.Ordinal);
        Assert.Contains("On: a lockout event shuts SSH off", status, StringComparison.Ordinal);
        Assert.Contains($"the sshd PID file {PidFile} does not exist", status, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=ssh-enable]"));
    }

    [Fact]
    public void Render_LoginDisabled_ShowsWhenWhyWhatFailedAndEnableButton()
    {
        Disable();

        var page = Render<SshPage>();

        var status = page.Find("[data-testid=ssh-status]").TextContent;
        Assert.Contains("SSH sign-in is disabled since", status, StringComparison.Ordinal);
        Assert.Contains("after a lockout event: super-lockout of carol.", status, StringComparison.Ordinal);
        Assert.Contains("Part of the shut-off failed after a lockout event of carol: the sshd PID file", status, StringComparison.Ordinal);
        Assert.DoesNotContain("could not be disabled", status, StringComparison.Ordinal);
        Assert.Contains("(present: every SSH sign-in refused)", status, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=ssh-enable]"));
        Assert.Empty(page.FindAll("[data-testid=tf-step-up]"));
    }

    [Fact]
    public async Task Enable_CorrectStepUpCode_ReEnablesLogin()
    {
        Disable();
        var page = Render<SshPage>();

        page.Find("[data-testid=ssh-enable]").Click();
        await StepUpAsync(page, _alice);

        page.WaitForAssertion(() => Assert.Contains("SSH sign-in is enabled again", page.Find("[data-testid=ssh-result]").TextContent, StringComparison.Ordinal));
        Assert.Contains("SSH sign-in is allowed.", page.Find("[data-testid=ssh-status]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=ssh-enable]"));
        Assert.False(Get<ISettingsStore>().Get().Ssh.LoginDisabled);
        Assert.DoesNotContain(Get<IAlertStore>().Open(), a => a.Key == AlertKeys.SshDisabled);
        var audit = Assert.Single(Audit("ssh.enabled"));
        Assert.Equal(("alice", "succeeded"), (audit.UserName, audit.Outcome));
        Assert.Equal("succeeded", Assert.Single(Audit("stepup")).Outcome);
    }

    [Fact]
    public void Enable_WrongStepUpCode_StaysDisabled()
    {
        Disable();
        var page = Render<SshPage>();

        page.Find("[data-testid=ssh-enable]").Click();
        InputOf(page, "tf-step-up").Input(WrongCode());
        page.Find("[data-testid=tf-step-up-confirm]").Click();

        page.WaitForAssertion(() => Assert.Contains("That code is not valid", page.Markup, StringComparison.Ordinal));
        Assert.True(Get<ISettingsStore>().Get().Ssh.LoginDisabled);
        Assert.Empty(Audit("ssh.enabled"));
        Assert.Contains("SSH sign-in is disabled", page.Find("[data-testid=ssh-status]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Enable_RightCodeWhileTheAppliancesClockIsAnHourAhead_SaysTheClockIsOffAndCountsNothing()
    {
        Disable();
        var page = Render<SshPage>();
        var phone = (Time.GetUtcNow() - TimeSpan.FromHours(1)).ToUnixTimeSeconds() / TotpVerifier.StepSeconds;

        page.Find("[data-testid=ssh-enable]").Click();
        InputOf(page, "tf-step-up").Input(_alice.CodeAt(phone));
        page.Find("[data-testid=tf-step-up-confirm]").Click();

        page.WaitForAssertion(() => Assert.Contains(
            "That code is right, but for a time about 1 h 0 min behind this appliance's clock, so its clock (or your phone's) is off. Nothing was counted.",
            page.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain("That code is not valid", page.Markup, StringComparison.Ordinal);
        Assert.Equal(0, Get<IAccountStore>().FindById(_alice.Id)!.TotpFailures);
        Assert.True(Get<ISettingsStore>().Get().Ssh.LoginDisabled);
        Assert.Equal("clock-off", Assert.Single(Audit("stepup")).Outcome);
    }

    [Fact]
    public void LockoutEvent_WhilePageOpen_ShowsDisabled()
    {
        var page = Render<SshPage>();

        Seed("bob");
        TestLockouts.MoveToRecovery(Services, "bob");

        page.WaitForAssertion(() => Assert.Contains("after a lockout event: bob moved to recovery after repeated wrong authenticator codes.",
            page.Find("[data-testid=ssh-status]").TextContent, StringComparison.Ordinal));
        Assert.Single(page.FindAll("[data-testid=ssh-enable]"));
    }

    private IReadOnlyList<AuditEvent> Audit(string prefix) => Get<IAuditLog>().Query(new AuditQuery(EventPrefix: prefix));

    private void Disable() =>
        Ssh.DisableLogin(new LockoutEvent(LockoutEventKind.SuperLocked, Guid.NewGuid(), "carol", null, DateTimeOffset.UtcNow));

    private string WrongCode()
    {
        var valid = Get<TotpVerifier>().Current(_alice.Secret);
        return valid == "000000" ? "000001" : "000000";
    }
}
