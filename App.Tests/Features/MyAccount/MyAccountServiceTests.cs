using NasDash.Features.MyAccount;
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
    public async Task ChangePassword_WrongCurrentPasswords_PauseThatSessionOnlyAndLeaveTheSignInBucketAlone()
    {
        var alice = Seed("alice");
        var results = new List<PasswordChangeResult>();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            results.Add(await Service.ChangePasswordAsync(alice.Id, "session-1", "not my password", "a new long passphrase", "a new long passphrase", null, TestContext.Current.CancellationToken));
        }

        Assert.All(results[..^1], r => Assert.IsType<PasswordChangeResult.WrongPassword>(r));
        Assert.IsType<PasswordChangeResult.Throttled>(results[^1]);
        Assert.IsType<PasswordChangeResult.Throttled>(await Service.ChangePasswordAsync(alice.Id, "session-1", alice.Password, "a new long passphrase", "a new long passphrase", null, TestContext.Current.CancellationToken));
        Assert.Equal(0, Get<IAccountStore>().FindById(alice.Id)!.PasswordFailures);
        Assert.IsType<PasswordChangeResult.Changed>(await Service.ChangePasswordAsync(alice.Id, "session-2", alice.Password, "a new long passphrase", "a new long passphrase", null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ChangePassword_WhileStrangersKeepTheUntrustedBucketPaused_Succeeds()
    {
        var alice = Seed("alice");
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle + 2; i++)
        {
            await Get<SignInService>().SubmitPasswordAsync("alice", "a stranger's guess", $"203.0.113.{i}", TestContext.Current.CancellationToken);
        }

        Assert.True(Get<IAccountStore>().FindById(alice.Id)!.IsThrottled(Time.GetUtcNow()));

        var result = await Service.ChangePasswordAsync(alice.Id, "session-1", alice.Password, "a new long passphrase", "a new long passphrase", null, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordChangeResult.Changed>(result);
    }

    [Fact]
    public async Task ChangePassword_Valid_ClearsTheForcedChangeAndRotatesTheStamp()
    {
        var alice = Seed("alice");
        TestAdministrators.Adjust(Services, alice.Id, a => a.RequirePasswordChange());
        var stamp = Get<IAccountStore>().FindById(alice.Id)!.SecurityStamp;

        var result = await Service.ChangePasswordAsync(alice.Id, "session-1", alice.Password, "a new long passphrase", "a new long passphrase", null, TestContext.Current.CancellationToken);

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

        var result = await Service.ChangePasswordAsync(alice.Id, "session-1", alice.Password, alice.Password, alice.Password, null, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordChangeResult.Invalid>(result);
    }
}
