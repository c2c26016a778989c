using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using NasDash.Features.Ssh;
using NasDash.Security;

namespace NasDash.Tests.Features.Ssh;

public sealed class SshReconciliationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-ssh-reconcile-").FullName;

    private string UsersFile => Path.Combine(_directory, "users.oath");

    [Fact]
    public async Task Running_SecurityChange_SyncsUsersFileAtOnce()
    {
        using var core = Core(UsersFile);
        var service = core.Get<IEnumerable<IHostedService>>().OfType<SshReconciliation>().Single();
        await service.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            Assert.True(await Eventually(() => File.Exists(UsersFile)));
            var alice = core.AddAdministrator("alice");

            core.Get<SecurityEvents>().NotifyChanged();

            Assert.True(await Eventually(() => File.ReadAllText(UsersFile).Contains($"\talice\t-\t{Convert.ToHexStringLower(alice.Secret)}", StringComparison.Ordinal)));
        }
        finally
        {
            await service.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public void SyncUsersFile_CannotWrite_RaisesAlertThenClearsItOnceWritten()
    {
        var blocked = Path.Combine(_directory, "not-yet", "users.oath");
        using var core = Core(blocked);
        var service = core.Get<IEnumerable<IHostedService>>().OfType<SshReconciliation>().Single();

        service.SyncUsersFile();
        var alert = core.OpenAlert(AlertKeys.SshUsersFile);
        Directory.CreateDirectory(Path.GetDirectoryName(blocked)!);
        service.SyncUsersFile();

        Assert.StartsWith($"The SSH authenticator users file is out of date: cannot write {blocked}: ", alert?.Message, StringComparison.Ordinal);
        Assert.Null(core.OpenAlert(AlertKeys.SshUsersFile));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private SshCore Core(string usersFile)
    {
        var core = new SshCore(_directory, Path.Combine(_directory, "sshd.pid"), usersFile, Path.Combine(_directory, "proc"));
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
