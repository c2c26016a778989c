using NasDash.Features.Users;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Users;

public sealed class UsersServiceTests : NasDashTestContext
{
    private UsersService Users => Get<UsersService>();

    private async Task GrantAsync(SeededAdmin admin, StepUpPurpose purpose) =>
        Assert.Equal(StepUpOutcome.Accepted, await Get<StepUp>().VerifyAsync(admin.Id, await admin.NextCodeAsync(Time), purpose, null, TestContext.Current.CancellationToken));

    [Fact]
    public async Task Create_WithStepUp_InsertsAnAdministratorWhoMustEnrol()
    {
        var alice = Seed("alice");
        SignIn(alice);
        ConnectFrom("10.0.0.5");
        await GrantAsync(alice, StepUpPurpose.CreateAdministrator);

        var result = await Users.CreateAsync(new NewAdministrator("erin", "a different long passphrase", "a different long passphrase", true), TestContext.Current.CancellationToken);

        var issued = Assert.IsType<UserActionResult.Done>(result).EnrolmentCode!;
        var erin = Get<IAccountStore>().FindByName("erin")!;
        Assert.True(erin.MustEnrol);
        Assert.True(erin.EnrolmentCode.Matches(BackupCodes.Normalize(issued.Code)!));
        Assert.Equal(SignInGate.EnrolmentCode, erin.AfterPassword(TwoFactorSettings.Defaults, applianceLocked: false));
        Assert.True(erin.MustChangePassword);
        Assert.False(erin.SecondFactor.IsEnrolled);
        Assert.Equal(PasswordCheck.Succeeded, Get<PasswordHashing>().Verify(erin, "a different long passphrase"));
        Assert.Contains(Get<IAlertStore>().Open(), a => a.Key == "no-2fa:erin");
        var entry = Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "users.")));
        Assert.Equal(("alice", "10.0.0.5"), (entry.UserName, entry.ClientAddress));
        Assert.StartsWith("target erin; must enrol and change the password at first sign-in; enrolment code issued (valid until ", entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithoutStepUp_InsertsNothing()
    {
        var alice = Seed("alice");
        SignIn(alice);

        var result = await Users.CreateAsync(new NewAdministrator("erin", "a different long passphrase", "a different long passphrase", false), TestContext.Current.CancellationToken);

        Assert.IsType<UserActionResult.StepUpRequired>(result);
        Assert.Null(Get<IAccountStore>().FindByName("erin"));
    }

    [Fact]
    public async Task Create_TakenName_IsInvalid()
    {
        var alice = Seed("alice");
        SignIn(alice);
        await GrantAsync(alice, StepUpPurpose.CreateAdministrator);

        var result = await Users.CreateAsync(new NewAdministrator("Alice", "a different long passphrase", "a different long passphrase", false), TestContext.Current.CancellationToken);

        Assert.IsType<UserActionResult.Invalid>(result);
    }

    [Fact]
    public async Task Delete_TheLastAdministrator_IsRefused()
    {
        var alice = Seed("alice");
        SignIn(alice);
        await GrantAsync(alice, StepUpPurpose.DeleteAdministrator(alice.Id, "alice"));

        var result = await Users.DeleteAsync(alice.Id, TestContext.Current.CancellationToken);

        Assert.Contains("last administrator", Assert.IsType<UserActionResult.Refused>(result).Message);
        Assert.NotNull(Get<IAccountStore>().FindById(alice.Id));
    }

    [Fact]
    public async Task Delete_LeavingOnlySuperLockedAdministrators_IsRefused()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var bob = Seed("bob");
        TestAdministrators.Adjust(Services, bob.Id, a => a.SuperLock(Time.GetUtcNow()));
        await GrantAsync(alice, StepUpPurpose.DeleteAdministrator(alice.Id, "alice"));

        var result = await Users.DeleteAsync(alice.Id, TestContext.Current.CancellationToken);

        Assert.Contains("the others are super-locked", Assert.IsType<UserActionResult.Refused>(result).Message);
    }

    [Fact]
    public async Task Delete_AnotherAdministrator_RemovesThemAndEndsTheirSessions()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var bob = Seed("bob");
        var ended = new List<Guid>();
        Get<SecurityEvents>().SessionsEnded += ended.Add;
        await GrantAsync(alice, StepUpPurpose.DeleteAdministrator(bob.Id, "bob"));

        var result = await Users.DeleteAsync(bob.Id, TestContext.Current.CancellationToken);

        Assert.IsType<UserActionResult.Done>(result);
        Assert.Null(Get<IAccountStore>().FindById(bob.Id));
        Assert.Equal([bob.Id], ended);
    }

    [Fact]
    public async Task Delete_StepUpForAnotherTarget_DoesNotCount()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var bob = Seed("bob");
        var carol = Seed("carol");
        await GrantAsync(alice, StepUpPurpose.DeleteAdministrator(carol.Id, "carol"));

        var result = await Users.DeleteAsync(bob.Id, TestContext.Current.CancellationToken);

        Assert.IsType<UserActionResult.StepUpRequired>(result);
        Assert.NotNull(Get<IAccountStore>().FindById(bob.Id));
    }

    [Fact]
    public async Task EveryAction_OnASuperLockedAccount_IsRefused()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var bob = Seed("bob");
        TestAdministrators.Adjust(Services, bob.Id, a => a.SuperLock(Time.GetUtcNow()));
        await GrantAsync(alice, StepUpPurpose.ResetSecondFactor(bob.Id, "bob"));
        var reset = await Users.ResetSecondFactorAsync(bob.Id, TestContext.Current.CancellationToken);
        await GrantAsync(alice, StepUpPurpose.DeleteAdministrator(bob.Id, "bob"));
        var delete = await Users.DeleteAsync(bob.Id, TestContext.Current.CancellationToken);
        var force = await Users.ForcePasswordChangeAsync(bob.Id, TestContext.Current.CancellationToken);

        foreach (var result in new[] { reset, delete, force })
        {
            Assert.Contains("nasdash console unlock bob", Assert.IsType<UserActionResult.Refused>(result).Message);
        }

        var stored = Get<IAccountStore>().FindById(bob.Id)!;
        Assert.Equal(AccountState.SuperLocked, stored.State);
        Assert.True(stored.SecondFactor.IsEnrolled);
        Assert.False(stored.MustChangePassword);
    }

    [Fact]
    public async Task ResetSecondFactor_AccountInRecovery_LiftsRecoveryAndRotatesStamp()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var bob = Seed("bob");
        TestAdministrators.Adjust(Services, bob.Id, a => a.FailBackupSubmissions(3, Time.GetUtcNow()).FailPasswords(2, Time.GetUtcNow()));
        var stamp = Get<IAccountStore>().FindById(bob.Id)!.SecurityStamp;
        await GrantAsync(alice, StepUpPurpose.ResetSecondFactor(bob.Id, "bob"));

        var result = await Users.ResetSecondFactorAsync(bob.Id, TestContext.Current.CancellationToken);

        Assert.IsType<UserActionResult.Done>(result);
        var stored = Get<IAccountStore>().FindById(bob.Id)!;
        Assert.Equal((AccountState.Normal, false, true, 0, 2), (stored.State, stored.SecondFactor.IsEnrolled, stored.MustEnrol, stored.BackupFailures, stored.PasswordFailures));
        Assert.NotEqual(stamp, stored.SecurityStamp);
        Assert.Contains("was Recovery", Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "users."))).Detail);
    }

    [Fact]
    public async Task ResetSecondFactor_Yourself_IsRefused()
    {
        var alice = Seed("alice");
        SignIn(alice);
        Seed("bob");
        await GrantAsync(alice, StepUpPurpose.ResetSecondFactor(alice.Id, "alice"));

        var result = await Users.ResetSecondFactorAsync(alice.Id, TestContext.Current.CancellationToken);

        Assert.IsType<UserActionResult.Refused>(result);
        Assert.True(Get<IAccountStore>().FindById(alice.Id)!.SecondFactor.IsEnrolled);
    }

    [Fact]
    public async Task ForcePasswordChange_SetsTheFlagAndEndsTheirSessions()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var bob = Seed("bob");
        var ended = new List<Guid>();
        Get<SecurityEvents>().SessionsEnded += ended.Add;

        var result = await Users.ForcePasswordChangeAsync(bob.Id, TestContext.Current.CancellationToken);

        Assert.IsType<UserActionResult.Done>(result);
        Assert.True(Get<IAccountStore>().FindById(bob.Id)!.MustChangePassword);
        Assert.Equal([bob.Id], ended);
    }

    [Fact]
    public async Task List_EachRow_CarriesTheActionsTheViewerMayTake()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var bob = Seed("bob");
        var carol = Seed("carol");
        TestAdministrators.Adjust(Services, bob.Id, a => a.StartRecovery(Time.GetUtcNow()));
        TestAdministrators.Adjust(Services, carol.Id, a => a.SuperLock(Time.GetUtcNow()));

        var rows = (await Users.ListAsync()).ToDictionary(r => r.UserName, r => r.Actions);

        Assert.Equal([AdministratorAction.Delete], rows["alice"]);
        Assert.Equal([AdministratorAction.ResetSecondFactor, AdministratorAction.ForcePasswordChange, AdministratorAction.Delete], rows["bob"]);
        Assert.Empty(rows["carol"]);
    }

    [Fact]
    public async Task List_NobodySignedIn_OffersNoAction()
    {
        Seed("alice");

        var rows = await Users.ListAsync();

        Assert.Empty(Assert.Single(rows).Actions);
    }

    [Fact]
    public async Task ForcePasswordChange_Yourself_IsRefusedAsTheRowSays()
    {
        var alice = Seed("alice");
        SignIn(alice);
        Seed("bob");

        var result = await Users.ForcePasswordChangeAsync(alice.Id, TestContext.Current.CancellationToken);

        Assert.Contains("My account", Assert.IsType<UserActionResult.Refused>(result).Message);
        Assert.DoesNotContain(AdministratorAction.ForcePasswordChange, (await Users.ListAsync()).Single(r => r.IsYou).Actions);
        Assert.False(Get<IAccountStore>().FindById(alice.Id)!.MustChangePassword);
    }
}
