using NasDash.Storage;
using NasDash.Tests.Features.Ssh;

namespace NasDash.Tests.Features.Report;

/// <summary>With 2FA for SSH on, a "This wasn't me" report is a lockout event: SSH goes off until an administrator re-enables it.</summary>
public sealed class NotMeSshTests
{
    [Fact]
    public async Task Confirm_WithTwoFactorForSshOn_SwitchesSshOffWithTheReportAsItsReason()
    {
        using var dropIns = new TestSupport.TempDirectory();
        using var core = new SshCore(dropIns.Path, Path.Combine(dropIns.Path, "no-sshd.pid"), procRoot: Path.Combine(dropIns.Path, "no-proc"));
        core.SetSshTwoFactor(true);
        var alice = core.AddAdministrator("alice");
        var account = core.Get<IAccountStore>().FindById(alice.Id)!;
        account.RequirePasswordChange();
        core.Get<SecurityLedger>().Commit(account, new AuditEvent
        {
            At = DateTimeOffset.UtcNow, UserName = "bob", ClientAddress = "192.0.2.3", Event = AuditNames.UsersPasswordChangeForced.Id, Outcome = "succeeded",
        });
        var store = core.Get<LiteDbStore>();
        var notice = Assert.Single(store.AllNotices(100), n => n.Kind == SecurityNoticeKind.PasswordChangeRequired);
        var token = core.Get<ReportLinks>().TokenOf(notice)!;

        var view = await core.Get<NotMeReports>().ConfirmAsync(token, "198.51.100.7", TestContext.Current.CancellationToken);

        Assert.Equal(NotMeOutcome.Confirmed, view.Outcome);
        var off = Assert.Single(store.AllNotices(100), n => n.Kind == SecurityNoticeKind.SshDisabled);
        Assert.Equal("a notice about alice was reported as not theirs", off.Detail);
        Assert.Single(store.AllNotices(100), n => n.Kind == SecurityNoticeKind.ReportedNotMine);
        Assert.Equal(AccountState.Normal, core.Get<IAccountStore>().FindById(alice.Id)!.State);
    }
}
