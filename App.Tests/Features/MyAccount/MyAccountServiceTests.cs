using NasDash.Features.MyAccount;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.MyAccount;

public sealed class MyAccountServiceTests : NasDashTestContext
{
    private MyAccountService Service => Get<MyAccountService>();

    [Fact]
    public async Task StartRenewal_WithoutStepUp_GivesNothing()
    {
        var alice = Seed("alice");
        SignIn(alice, "session-1");

        Assert.Null(await Service.StartBackupCodesRenewalAsync());
        Assert.Null(await Service.StartAuthenticatorRenewalAsync());
    }

    [Fact]
    public async Task StartRenewal_StepUpForTheOtherPurpose_GivesNothing()
    {
        var alice = Seed("alice");
        SignIn(alice, "session-1");
        await Get<StepUp>().VerifyAsync(alice.Id, await alice.NextCodeAsync(Time), StepUpPurpose.RenewAuthenticator, null, TestContext.Current.CancellationToken);

        Assert.Null(await Service.StartBackupCodesRenewalAsync());
        Assert.NotNull(await Service.StartAuthenticatorRenewalAsync());
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPasswords_PauseThatSessionOnlyAndLeaveTheSignInBucketAlone()
    {
        var alice = Seed("alice");
        SignIn(alice, "session-1");
        var results = new List<PasswordChangeResult>();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            results.Add(await Service.ChangePasswordAsync("not my password", "a new long passphrase", "a new long passphrase", TestContext.Current.CancellationToken));
        }

        Assert.All(results[..^1], r => Assert.IsType<PasswordChangeResult.WrongPassword>(r));
        Assert.IsType<PasswordChangeResult.Throttled>(results[^1]);
        Assert.IsType<PasswordChangeResult.Throttled>(await Service.ChangePasswordAsync(alice.Password, "a new long passphrase", "a new long passphrase", TestContext.Current.CancellationToken));
        Assert.Equal(0, Get<IAccountStore>().FindById(alice.Id)!.PasswordFailures);
        SignIn(alice, "session-2");
        Assert.IsType<PasswordChangeResult.Changed>(await Service.ChangePasswordAsync(alice.Password, "a new long passphrase", "a new long passphrase", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ChangePassword_WhileStrangersKeepTheUntrustedBucketPaused_Succeeds()
    {
        var alice = Seed("alice");
        SignIn(alice, "session-1");
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle + 2; i++)
        {
            await Get<SignInService>().SubmitPasswordAsync("alice", "a stranger's guess", $"203.0.113.{i}", TestContext.Current.CancellationToken);
        }

        Assert.True(Get<IAccountStore>().FindById(alice.Id)!.IsThrottled(Time.GetUtcNow()));

        var result = await Service.ChangePasswordAsync(alice.Password, "a new long passphrase", "a new long passphrase", TestContext.Current.CancellationToken);

        Assert.IsType<PasswordChangeResult.Changed>(result);
    }

    [Fact]
    public async Task ChangePassword_Valid_ClearsTheForcedChangeAndRotatesTheStamp()
    {
        var alice = Seed("alice");
        SignIn(alice, "session-1");
        TestAdministrators.Adjust(Services, alice.Id, a => a.RequirePasswordChange());
        var stamp = Get<IAccountStore>().FindById(alice.Id)!.SecurityStamp;

        var result = await Service.ChangePasswordAsync(alice.Password, "a new long passphrase", "a new long passphrase", TestContext.Current.CancellationToken);

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
        SignIn(alice, "session-1");

        var result = await Service.ChangePasswordAsync(alice.Password, alice.Password, alice.Password, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordChangeResult.Invalid>(result);
    }
}
