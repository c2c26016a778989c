using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// Issue 22: nobody without the owner's secrets keeps the owner out. After a console unlock, behind a shared address,
/// with planted device cookies, and at "Change password".
/// </summary>
public sealed class OwnerCannotBeKeptOutTests
{
    private const string SharedAddress = "10.0.0.2";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnrolmentCodeSignIn_AfterUnlockAndADayOfUntrustedFailuresAndWrongCodes_SucceedsAtOnce()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var code = SeededAccounts.EnrolmentCodeIn((await harness.Administration.UnlockAsync("alice", "root", Cancel)).Message);
        // Most of the code's life (a day by default), so that it is still valid at the end.
        var end = harness.Time.GetUtcNow() + EnrolmentCodePolicy.DefaultLifetime - TimeSpan.FromMinutes(30);
        var attempts = 0;

        // Strangers from everywhere: the fastest password guessing the untrusted bucket allows, and wrong codes between.
        while (harness.Time.GetUtcNow() < end)
        {
            attempts++;
            if (await harness.SignIn.SubmitPasswordAsync("alice", $"guess {attempts}", DeviceCookieTests.Botnet(attempts), Cancel) is PasswordStepResult.Throttled paused)
            {
                harness.Time.SetUtcNow(paused.Until);
            }

            if (attempts % 10 == 0)
            {
                Assert.IsType<PasswordStepResult.Refused>(await harness.SignIn.SignInWithEnrolmentCodeAsync(
                    "alice", "ABCD-EFGH-JKMN-PQRS", alice.Password, DeviceCookieTests.Botnet(attempts), Cancel));
            }
        }

        // The untrusted bucket is paused at this moment: the owner's password alone is refused unevaluated …
        await harness.SignIn.SubmitPasswordAsync("alice", "one more guess", DeviceCookieTests.Botnet(++attempts), Cancel);
        Assert.IsType<PasswordStepResult.Throttled>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, SharedAddress, Cancel));
        var before = harness.Stored(alice);

        // … but with the printed code, the owner is in at once, straight to enrolment.
        var owner = await harness.SignIn.SignInWithEnrolmentCodeAsync("alice", code, alice.Password, SharedAddress, Cancel);

        var signedIn = Assert.IsType<PasswordStepResult.EnrolmentRequired>(owner);
        Assert.Equal(alice.Id, signedIn.AccountId);
        Assert.InRange(before.PasswordFailures, 95, Account.UntrustedGuessesPerDayBound);
        Assert.Equal(0, before.BackupFailures);
        Assert.Equal(AccountState.Normal, before.State);
        Assert.False(harness.Stored(alice).EnrolmentCode.IsIssued);
    }

    public static TheoryData<string> Strangers => ["alice, wrong code", "nobody, any code", "bob, who holds no code"];

    [Theory]
    [MemberData(nameof(Strangers))]
    public async Task EnrolmentCodeSignIn_WithoutTheValidCode_MovesNoCounterAndAnswersAlike(string who)
    {
        using var harness = new CoreHarness(new TwoFactorSettings { MaxFailedBackupSubmissions = 3 });
        var alice = harness.CreateEnrolledAccount("alice");
        harness.CreateEnrolledAccount("bob");
        await harness.Administration.UnlockAsync("alice", "root", Cancel);
        var userName = who.Split(',')[0];
        var stored = harness.Stored(alice);

        var answers = new List<PasswordStepResult>();
        for (var i = 0; i < 20; i++)
        {
            answers.Add(await harness.SignIn.SignInWithEnrolmentCodeAsync(userName, $"ABCD-EFGH-JKMN-PQ{i:00}".Replace('0', 'A'), alice.Password, SharedAddress, Cancel));
        }

        Assert.All(answers, a => Assert.Equal(new PasswordStepResult.Refused(SignInService.EnrolmentSignInRefusedMessage), a));
        var after = harness.Stored(alice);
        Assert.Equal(AccountState.Normal, after.State);
        Assert.Equal(0, after.BackupFailures);
        Assert.Equal(0, after.PasswordFailures);
        Assert.Equal(stored.SecurityStamp, after.SecurityStamp);
        Assert.True(after.EnrolmentCode.IsIssued);
        Assert.Empty(harness.AuditOf("alice", "login.enrolment-code"));
    }

    [Fact]
    public async Task EnrolmentCodeSignIn_ValidCodeWrongPasswords_DrainTheCodesOwnBudgetOnly()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var code = SeededAccounts.EnrolmentCodeIn((await harness.Administration.UnlockAsync("alice", "root", Cancel)).Message);

        var verdicts = new List<PasswordStepResult>();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            verdicts.Add(await harness.SignIn.SignInWithEnrolmentCodeAsync("alice", code, "not the password", SharedAddress, Cancel));
        }

        Assert.All(verdicts[..^1], v => Assert.IsType<PasswordStepResult.Refused>(v));
        var paused = Assert.IsType<PasswordStepResult.Throttled>(verdicts[^1]);
        Assert.IsType<PasswordStepResult.Throttled>(await harness.SignIn.SignInWithEnrolmentCodeAsync("alice", code, alice.Password, SharedAddress, Cancel));
        Assert.Equal(0, harness.Stored(alice).PasswordFailures);
        Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, SharedAddress, Cancel));

        harness.Time.SetUtcNow(paused.Until);
        Assert.IsType<PasswordStepResult.EnrolmentRequired>(await harness.SignIn.SignInWithEnrolmentCodeAsync("alice", code, alice.Password, SharedAddress, Cancel));
    }

    [Fact]
    public async Task EnrolmentCodeSignIn_UsedOnce_IsRefusedTheSecondTime()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var code = SeededAccounts.EnrolmentCodeIn((await harness.Administration.UnlockAsync("alice", "root", Cancel)).Message);

        Assert.IsType<PasswordStepResult.EnrolmentRequired>(await harness.SignIn.SignInWithEnrolmentCodeAsync("alice", code, alice.Password, null, Cancel));

        Assert.IsType<PasswordStepResult.Refused>(await harness.SignIn.SignInWithEnrolmentCodeAsync("alice", code, alice.Password, null, Cancel));
    }

    [Fact]
    public async Task EnrolmentCodeSignIn_ExpiredCode_TellsItsHolderHowToGetANewOne()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var code = SeededAccounts.EnrolmentCodeIn((await harness.Administration.UnlockAsync("alice", "root", Cancel)).Message);
        harness.Time.Advance(EnrolmentCodePolicy.DefaultLifetime + TimeSpan.FromSeconds(1));

        var holder = Assert.IsType<PasswordStepResult.Refused>(await harness.SignIn.SignInWithEnrolmentCodeAsync("alice", code, alice.Password, null, Cancel));
        var stranger = Assert.IsType<PasswordStepResult.Refused>(await harness.SignIn.SignInWithEnrolmentCodeAsync("alice", "ABCD-EFGH-JKMN-PQRS", alice.Password, null, Cancel));

        Assert.Contains("expired", holder.Message, StringComparison.Ordinal);
        Assert.Contains("nasdash console unlock alice", holder.Message, StringComparison.Ordinal);
        Assert.Equal(SignInService.EnrolmentSignInRefusedMessage, stranger.Message);
    }

    [Fact]
    public async Task TrustedDevice_BehindAnAddressPausedByMadeUpNames_IsNeverRefusedByIt()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        var device = DeviceCookieJar.Holding(alice.Id, harness.Devices.Issue(harness.Stored(alice)));

        for (var i = 0; i < 30; i++)
        {
            await harness.SignIn.SubmitPasswordAsync($"ghost-{i}", "wrong", SharedAddress, Cancel);
        }

        Assert.IsType<PasswordStepResult.Throttled>(await harness.SignIn.SubmitPasswordAsync("bob", bob.Password, SharedAddress, Cancel));
        Assert.IsType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, SharedAddress, device, Cancel));
        Assert.Equal(1, harness.Get<RefusedSignIns>().InLastHour(bob.Id));
    }

    [Fact]
    public async Task AddressThrottle_RefusalsItDidNotEvaluate_DoNotDrainTheAddress()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            await harness.SignIn.SubmitPasswordAsync("alice", "wrong", DeviceCookieTests.Botnet(i), Cancel);
        }

        // Alice's untrusted bucket is paused: these are refused unevaluated, so they cost the shared address nothing.
        for (var i = 0; i < 3 * AddressThrottle.FailureBurst; i++)
        {
            Assert.IsType<PasswordStepResult.Throttled>(await harness.SignIn.SubmitPasswordAsync("alice", "wrong", SharedAddress, Cancel));
        }

        Assert.IsType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("bob", bob.Password, SharedAddress, Cancel));
        Assert.Equal(3 * AddressThrottle.FailureBurst, harness.Get<RefusedSignIns>().InLastHour(alice.Id));
    }

    [Fact]
    public async Task DeviceCookie_EightPlantedUnderOtherNamesAndShadowsOfItsOwnName_DoNotHideTheRealOne()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var real = harness.Devices.Issue(harness.Stored(alice));
        var planted = Enumerable.Range(0, 8).Select(i => new KeyValuePair<string, string>($"nasdash.device.junk{i}", $"junk{i}"))
            .Concat(Enumerable.Range(0, 3).Select(i => new KeyValuePair<string, string>(DeviceCookieJar.NameFor(alice.Id), $"shadow{i}")))
            .Append(new KeyValuePair<string, string>(DeviceCookieJar.NameFor(alice.Id), real));
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            await harness.SignIn.SubmitPasswordAsync("alice", "wrong", DeviceCookieTests.Botnet(i), Cancel);
        }

        var verdict = await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, SharedAddress, DeviceCookieJar.Of(planted), Cancel);

        Assert.IsType<PasswordStepResult.SecondFactorRequired>(verdict);
    }

    [Fact]
    public async Task RefusedAttempts_ManyInAnHour_AreAuditedAsOneSummaryAnHour()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var refusals = 0;

        // 100 minutes of an attacker who keeps alice's untrusted bucket paused and knocks every 20 seconds.
        for (var i = 0; i < 300; i++)
        {
            if (await harness.SignIn.SubmitPasswordAsync("alice", "wrong", DeviceCookieTests.Botnet(i), Cancel) is PasswordStepResult.Throttled &&
                harness.AuditOf("alice", "login.password").Count(e => e.Outcome == "failed") == harness.Stored(alice).PasswordFailures)
            {
                refusals++;
            }

            harness.Time.Advance(TimeSpan.FromSeconds(20));
        }

        var summaries = harness.AuditOf("alice", "login.refused");
        Assert.Equal(2, summaries.Count);
        Assert.InRange(harness.Get<RefusedSignIns>().InLastHour(alice.Id), 100, 180);
        Assert.True(refusals > 250, $"{refusals} refusals");
    }
}
