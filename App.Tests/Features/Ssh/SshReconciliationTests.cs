using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using NasDash.Features.Ssh;

namespace NasDash.Tests.Features.Ssh;

public sealed class SshReconciliationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-ssh-reconcile-").FullName;

    [Fact]
    public async Task Start_UpgradeLeftPamOathUsersFile_FileRemovedAndItsAlertCleared()
    {
        using var core = Core();
        var usersFile = Path.Combine(core.DataDirectory, SshReconciliation.LegacyUsersFile);
        await File.WriteAllTextAsync(usersFile, "HOTP/T30/6\talice\t-\t3132333435363738393031323334353637383930\n", TestContext.Current.CancellationToken);
        core.Get<IAlertStore>().Raise(AlertKeys.SshUsersFile, AlertSeverity.Warning, "The SSH authenticator users file is out of date", null);
        var service = core.Get<IEnumerable<IHostedService>>().OfType<SshReconciliation>().Single();

        await service.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            Assert.True(await Eventually(() => !File.Exists(usersFile) && core.OpenAlert(AlertKeys.SshUsersFile) is null));
        }
        finally
        {
            await service.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private SshCore Core()
    {
        var core = new SshCore(_directory, Path.Combine(_directory, "sshd.pid"), Path.Combine(_directory, "proc"));
        core.SetSshTwoFactor(true);
        return core;
    }

    private static async Task<bool> Eventually(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        return condition();
    }
}
