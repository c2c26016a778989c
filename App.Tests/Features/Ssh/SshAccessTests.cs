using Microsoft.Extensions.DependencyInjection;
using NasDash.Features.Ssh;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Ssh;

/// <summary>Re-enabling SSH from the web, over the real core; sshd is absent (an empty process table).</summary>
public sealed class SshAccessTests : NasDashTestContext
{
    private readonly SeededAdmin _alice;

    public SshAccessTests()
        : base(services: s => s.AddSingleton(new ProcessTable(Path.Combine(Path.GetTempPath(), "nasdash-no-proc"))))
    {
        Directory.CreateDirectory(Path.Combine(DataDirectory, "ssh", "sshd_config.d"));
        _alice = Seed("alice");
        SignIn(_alice);
        Get<SshLogin>().DisableLogin(new LockoutEvent(LockoutEventKind.SuperLocked, Guid.NewGuid(), "carol", null, DateTimeOffset.UtcNow));
    }

    private SshAccess Ssh => Get<SshAccess>();

    private async Task StepUpForAsync(StepUpPurpose purpose) =>
        Assert.Equal(StepUpOutcome.Accepted,
            await Get<StepUp>().VerifyAsync(_alice.Id, await _alice.NextCodeAsync(Time), purpose, null, TestContext.Current.CancellationToken));

    [Fact]
    public async Task EnableLogin_WithoutStepUp_RefusesAndLeavesSshDisabled()
    {
        var result = await Ssh.EnableLoginAsync();

        Assert.False(result.Succeeded);
        Assert.True(Get<ISettingsStore>().Get().Ssh.LoginDisabled);
        Assert.True(File.Exists(Path.Combine(DataDirectory, "ssh", "sshd_config.d", SshDaemon.DropInFileName)));
        Assert.Empty(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "ssh.enabled")));
    }

    [Fact]
    public async Task EnableLogin_StepUpForAnotherPurpose_Refuses()
    {
        await StepUpForAsync(StepUpPurpose.SaveTwoFactorSettings);

        var result = await Ssh.EnableLoginAsync();

        Assert.False(result.Succeeded);
        Assert.True(Get<ISettingsStore>().Get().Ssh.LoginDisabled);
    }

    [Fact]
    public async Task EnableLogin_StepUpOfAnotherAdministrator_Refuses()
    {
        var bob = Seed("bob");
        Assert.Equal(StepUpOutcome.Accepted,
            await Get<StepUp>().VerifyAsync(bob.Id, await bob.NextCodeAsync(Time), StepUpPurpose.EnableSsh, null, TestContext.Current.CancellationToken));

        var result = await Ssh.EnableLoginAsync();

        Assert.False(result.Succeeded);
        Assert.True(Get<ISettingsStore>().Get().Ssh.LoginDisabled);
    }

    [Fact]
    public async Task EnableLogin_WithStepUp_ReEnablesAndAuditsTheActorAndAddress()
    {
        ConnectFrom("192.0.2.8");
        await StepUpForAsync(StepUpPurpose.EnableSsh);

        var result = await Ssh.EnableLoginAsync();

        Assert.True(result.Succeeded, result.Message);
        Assert.False(Get<ISettingsStore>().Get().Ssh.LoginDisabled);
        var entry = Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "ssh.enabled")));
        Assert.Equal(("alice", "192.0.2.8", "succeeded"), (entry.UserName, entry.ClientAddress, entry.Outcome));
    }

    [Fact]
    public async Task EnableLogin_GrantAlreadyConsumed_RefusesTheNextReEnable()
    {
        await StepUpForAsync(StepUpPurpose.EnableSsh);
        Assert.True((await Ssh.EnableLoginAsync()).Succeeded);
        Get<SshLogin>().DisableLogin(new LockoutEvent(LockoutEventKind.SuperLocked, Guid.NewGuid(), "carol", null, DateTimeOffset.UtcNow));

        var again = await Ssh.EnableLoginAsync();

        Assert.False(again.Succeeded);
        Assert.True(Get<ISettingsStore>().Get().Ssh.LoginDisabled);
    }
}
