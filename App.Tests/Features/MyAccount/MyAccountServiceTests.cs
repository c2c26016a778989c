using NasDash.Features.MyAccount;
using NasDash.Security;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.MyAccount;

public sealed class MyAccountServiceTests : NasDashTestContext
{
    private MyAccountService Service => Get<MyAccountService>();

    [Fact]
    public void StartRenewal_WithoutStepUp_GivesNothing()
    {
        var alice = Seed("alice");

        Assert.Null(Service.StartBackupCodesRenewal(alice.Id));
        Assert.Null(Service.StartAuthenticatorRenewal(alice.Id));
    }

    [Fact]
    public async Task StartRenewal_StepUpForTheOtherPurpose_GivesNothing()
    {
        var alice = Seed("alice");
        await Get<StepUp>().VerifyAsync(alice.Id, await alice.NextCodeAsync(Time), StepUpPurpose.RenewAuthenticator, null, TestContext.Current.CancellationToken);

        Assert.Null(Service.StartBackupCodesRenewal(alice.Id));
        Assert.NotNull(Service.StartAuthenticatorRenewal(alice.Id));
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_CountsTowardsTheThrottle()
    {
        var alice = Seed("alice");

        var result = await Service.ChangePasswordAsync(alice.Id, "not my password", "a new long passphrase", "a new long passphrase", null, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordChangeResult.WrongPassword>(result);
        Assert.Equal(1, Get<IAccountStore>().FindById(alice.Id)!.PasswordFailures);
    }

    [Fact]
    public async Task ChangePassword_Valid_ClearsTheForcedChangeAndRotatesTheStamp()
    {
        var alice = Seed("alice");
        TestAdministrators.Adjust(Services, alice.Id, a => a.RequirePasswordChange());
        var stamp = Get<IAccountStore>().FindById(alice.Id)!.SecurityStamp;

        var result = await Service.ChangePasswordAsync(alice.Id, alice.Password, "a new long passphrase", "a new long passphrase", null, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordChangeResult.Changed>(result);
        var stored = Get<IAccountStore>().FindById(alice.Id)!;
        Assert.False(stored.MustChangePassword);
        Assert.NotEqual(stamp, stored.SecurityStamp);
        Assert.Equal(PasswordCheck.Succeeded, Get<PasswordHashing>().Verify(stored, "a new long passphrase"));
    }

    [Fact]
    public async Task ChangePassword_SameAsCurrent_IsInvalid()
    {
        var alice = Seed("alice");

        var result = await Service.ChangePasswordAsync(alice.Id, alice.Password, alice.Password, alice.Password, null, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordChangeResult.Invalid>(result);
    }
}
