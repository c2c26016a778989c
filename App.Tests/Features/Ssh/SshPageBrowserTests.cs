using System.Runtime.Versioning;
using NasDash.Features.Ssh;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Ssh;

/// <summary>The whole cycle as an administrator sees it: the real app in Chromium, driving a real sshd.</summary>
[Collection(BrowserCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class SshPageBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task SshPage_AfterLockoutEvent_ShowsAlertAndReEnablesSshAfterStepUp()
    {
        HostTools.Require("sshd", "ssh", "ssh-keygen", "unshare");
        using var sshd = TestSshd.Start();
        using var server = new AppServer(new Dictionary<string, string?>
        {
            ["NasDash:Ssh:DropInDirectory"] = sshd.DropInDirectory,
            ["NasDash:Ssh:PidFile"] = sshd.PidFile,
        });
        var alice = TestAdministrators.Seed(server.Services, "alice");
        TestAdministrators.Seed(server.Services, "bob");
        var settings = server.Get<ISettingsStore>();
        var current = settings.Get();
        current.TwoFactor = current.TwoFactor with { SshTwoFactor = true };
        settings.Save(current);
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Get<SshLogin>().ShutOffApplied += _ => applied.TrySetResult();
        TestLockouts.MoveToRecovery(server.Services, "bob", "192.0.2.9");
        // The reconciler applies the shut-off off the request, well within the README's 10 seconds.
        await applied.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.NotEqual(0, sshd.Run("true").ExitCode);

        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(SshPage_AfterLockoutEvent_ShowsAlertAndReEnablesSshAfterStepUp), async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice, "/services/ssh");
            var status = await b.TextOfAsync("ssh-status");
            Assert.Contains("after a lockout event: bob moved to recovery after repeated wrong authenticator codes.", status, StringComparison.Ordinal);
            Assert.DoesNotContain("could not", status, StringComparison.Ordinal);
            await b.ScreenshotAsync("ssh-page-disabled");

            await b.ClickAsync("ssh-enable");
            await b.FillAsync("tf-step-up", await alice.NextCodeAsync(server.Get<TimeProvider>()));
            await b.ClickAsync("tf-step-up-confirm");

            await b.ById("ssh-result").WaitForAsync();
            Assert.StartsWith("SSH sign-in is enabled again.", await b.TextOfAsync("ssh-result"), StringComparison.Ordinal);
            Assert.Contains("SSH sign-in is allowed.", await b.TextOfAsync("ssh-status"), StringComparison.Ordinal);
            await b.ScreenshotAsync("ssh-page-enabled");
        });
        Assert.Equal((0, "back\n"), sshd.Run("echo back"));
        Assert.Null(server.Get<IAlertStore>().Open().FirstOrDefault(a => a.Key == AlertKeys.SshDisabled));
    }
}
