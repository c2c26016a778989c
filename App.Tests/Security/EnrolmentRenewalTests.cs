using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

public sealed class EnrolmentRenewalTests : NasDashTestContext
{
    private EnrolmentService Enrolments => Get<EnrolmentService>();

    [Fact]
    public async Task CodesRenewal_NotDownloaded_IsNotReady()
    {
        var alice = Seed("alice");
        var renewal = Enrolments.StartBackupCodesRenewal("alice");
        Enrolments.IssueCodes(renewal);

        var result = await Enrolments.CompleteRenewalAsync(renewal, alice.Id, confirmed: true, null, TestContext.Current.CancellationToken);

        Assert.Contains("Download", Assert.IsType<EnrolmentResult.NotReady>(result).Message);
    }

    [Fact]
    public async Task CodesRenewal_Completed_ReplacesOnlyTheCodesAndEndsSessionsAfterTheHandOver()
    {
        var alice = Seed("alice");
        var before = Get<IAccountStore>().FindById(alice.Id)!;
        var ended = new List<Guid>();
        Get<SecurityEvents>().SessionsEnded += ended.Add;
        var renewal = Enrolments.StartBackupCodesRenewal("alice");
        Enrolments.IssueCodes(renewal);
        Enrolments.MarkDownloaded(renewal);

        var result = await Enrolments.CompleteRenewalAsync(renewal, alice.Id, confirmed: true, null, TestContext.Current.CancellationToken);

        Assert.IsType<EnrolmentResult.Completed>(result);
        var after = Get<IAccountStore>().FindById(alice.Id)!;
        Assert.Equal(before.SecondFactor.ProtectedTotpSecret, after.SecondFactor.ProtectedTotpSecret);
        Assert.NotEqual(before.SecondFactor.BackupCodes!.BatchId, after.SecondFactor.BackupCodes!.BatchId);
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
        // Every session ends at once, with no timer in the core; the renewing page is spared by its SessionRenewal.
        Assert.Equal([alice.Id], ended);
    }

    [Fact]
    public void CodesRenewal_CannotBeSealedOrVerified()
    {
        var renewal = Enrolments.StartBackupCodesRenewal("alice");
        Enrolments.IssueCodes(renewal);
        Enrolments.MarkDownloaded(renewal);

        Assert.Throws<InvalidOperationException>(() => Enrolments.Seal(renewal, confirmed: true));
        Assert.Throws<InvalidOperationException>(() => Enrolments.VerifyTotp(renewal, "123456"));
    }

    [Fact]
    public async Task AuthenticatorRenewal_NotVerified_IsNotReady()
    {
        var alice = Seed("alice");
        var renewal = Enrolments.StartAuthenticatorRenewal("alice");

        Assert.IsType<EnrolmentResult.NotReady>(await Enrolments.CompleteRenewalAsync(renewal, alice.Id, false, null, TestContext.Current.CancellationToken));
        Assert.Throws<InvalidOperationException>(() => Enrolments.IssueCodes(renewal));
    }

    [Fact]
    public async Task Renewal_ForAnotherAccount_IsRefused()
    {
        Seed("alice");
        var bob = Seed("bob");
        var renewal = Enrolments.StartBackupCodesRenewal("alice");
        Enrolments.IssueCodes(renewal);
        Enrolments.MarkDownloaded(renewal);

        Assert.IsType<EnrolmentResult.AccountGone>(await Enrolments.CompleteRenewalAsync(renewal, bob.Id, true, null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Renewal_AccountInRecovery_IsRefused()
    {
        var alice = Seed("alice");
        TestAdministrators.Adjust(Services, alice.Id, a => a.StartRecovery(Time.GetUtcNow()));
        var renewal = Enrolments.StartBackupCodesRenewal("alice");
        Enrolments.IssueCodes(renewal);
        Enrolments.MarkDownloaded(renewal);

        Assert.IsType<EnrolmentResult.NotReady>(await Enrolments.CompleteRenewalAsync(renewal, alice.Id, true, null, TestContext.Current.CancellationToken));
    }
}
