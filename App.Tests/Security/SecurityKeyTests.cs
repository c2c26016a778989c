using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// Security keys as second factors: registration and assertion verified by the Fido2 library against responses of
/// a software authenticator (ES256, 'none' attestation), and the lockout rules kept whole around them.
/// </summary>
public class SecurityKeyTests
{
    private const string RelyingPartyId = "nas.example";
    private const string Origin = "https://nas.example";
    private const string Client = "192.0.2.1";

    [Fact]
    public async Task Register_AfterStepUp_StoresTheKeyWithItsNameAndDate()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);

        var change = await RegisterAsync(harness, alice, key, "  YubiKey 5 NFC ");

        Assert.IsType<SecurityKeyChange.Added>(change);
        var stored = Assert.Single(harness.Stored(alice).SecurityKeys);
        Assert.Equal("YubiKey 5 NFC", stored.Name);
        Assert.Equal(key.CredentialId, stored.CredentialId);
        Assert.Equal(harness.Time.GetUtcNow(), stored.AddedAt);
        Assert.Null(stored.LastUsedAt);
        Assert.Single(harness.AuditOf("alice", "account.security-key-added"), e => e.Outcome == "succeeded");
    }

    [Fact]
    public void StartRegistration_WithoutStepUp_IsRefused()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        Assert.Null(harness.Get<SecurityKeyRegistry>().StartRegistration(alice.Id));
    }

    [Fact]
    public async Task Register_TwoKeys_BothStoredAndEitherSignsIn()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var first = new TestAuthenticator(Origin);
        using var second = new TestAuthenticator(Origin);

        await RegisterAsync(harness, alice, first, "Blue key");
        await RegisterAsync(harness, alice, second, "Spare key");

        Assert.Equal(["Blue key", "Spare key"], harness.Stored(alice).SecurityKeys.Select(k => k.Name));
        Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(harness, alice, second));
        Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(harness, alice, first));
    }

    [Fact]
    public async Task Register_SameKeyAgain_IsRefused()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);

        var again = await RegisterAsync(harness, alice, key, "Again");

        Assert.IsType<SecurityKeyChange.Refused>(again);
        Assert.Single(harness.Stored(alice).SecurityKeys);
    }

    [Fact]
    public async Task Register_KeyOfAnotherAccount_IsRefused()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);

        Assert.IsType<SecurityKeyChange.Refused>(await RegisterAsync(harness, bob, key));
        Assert.Empty(harness.Stored(bob).SecurityKeys);
    }

    [Theory]
    [InlineData("https://evil.example", null)]
    [InlineData(Origin, "evil.example")]
    public async Task Register_WrongOriginOrRelyingParty_IsRefused(string origin, string? relyingPartyId)
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(origin) { RelyingPartyIdOverride = relyingPartyId };

        var change = await RegisterAsync(harness, alice, key);

        Assert.IsType<SecurityKeyChange.Refused>(change);
        Assert.Empty(harness.Stored(alice).SecurityKeys);
        Assert.Single(harness.AuditOf("alice", "account.security-key-added"), e => e.Outcome == "refused");
    }

    [Fact]
    public async Task SignIn_WithRegisteredKey_SignsInAndRecordsTheUse()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        harness.Time.Advance(TimeSpan.FromMinutes(3));

        var result = await SignInWithAsync(harness, alice, key);

        var signedIn = Assert.IsType<SecondFactorResult.SignedIn>(result);
        Assert.False(signedIn.MustEnrol);
        Assert.NotNull(harness.Pending.RedeemTicket(signedIn.SignInTicket));
        var stored = Assert.Single(harness.Stored(alice).SecurityKeys);
        Assert.Equal(harness.Time.GetUtcNow(), stored.LastUsedAt);
        Assert.Equal(key.SignatureCounter, (uint)stored.SignatureCounter);
        Assert.Single(harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id), e => e.Outcome == "succeeded");
    }

    [Fact]
    public async Task SignIn_ReplayedAssertion_IsRefused()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        var (challenge, options) = await StartAsync(harness, alice);
        var assertion = key.Assert(options);
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.Get<SecurityKeySignIn>().SubmitAsync(challenge, assertion, Client, Ct));

        // The same assertion on a new sign-in: its challenge is not the new ceremony's.
        var (next, _) = await StartAsync(harness, alice);
        var replayed = await harness.Get<SecurityKeySignIn>().SubmitAsync(next, assertion, Client, Ct);

        Assert.IsType<SecondFactorResult.Malformed>(replayed);
        Assert.Single(harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id), e => e.Outcome == "succeeded");
    }

    [Fact]
    public async Task SignIn_RefusedSubmission_UsesUpTheCeremony()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        var (challenge, options) = await StartAsync(harness, alice);
        var assertion = key.Assert(options);
        var signIn = harness.Get<SecurityKeySignIn>();
        var wrong = await signIn.SubmitAsync(challenge, "{\"id\":\"x\"}", Client, Ct);

        var late = await signIn.SubmitAsync(challenge, assertion, Client, Ct);

        Assert.IsType<SecondFactorResult.Malformed>(wrong);
        Assert.Equal(SecurityKeySignIn.StartAgainMessage, Assert.IsType<SecondFactorResult.Malformed>(late).Message);
    }

    [Theory]
    [InlineData("https://evil.example", null)]
    [InlineData("http://nas.example", null)]
    [InlineData(Origin, "evil.example")]
    public async Task SignIn_WrongOriginOrRelyingParty_IsRefused(string origin, string? relyingPartyId)
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        key.Origin = origin;
        key.RelyingPartyIdOverride = relyingPartyId;

        var result = await SignInWithAsync(harness, alice, key);

        Assert.Equal(SecurityKeySignIn.RefusedMessage, Assert.IsType<SecondFactorResult.Malformed>(result).Message);
        Assert.Null(Assert.Single(harness.Stored(alice).SecurityKeys).LastUsedAt);
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(5u)]
    [InlineData(0u)]
    public async Task SignIn_SignatureCounterNotAboveTheStoredOne_IsRefused(uint next)
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin) { SignatureCounter = 4 };
        await RegisterAsync(harness, alice, key);
        Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(harness, alice, key));
        Assert.Equal(5, harness.Stored(alice).SecurityKeys[0].SignatureCounter);

        key.CountsSignatures = false;
        key.SignatureCounter = next;
        var result = await SignInWithAsync(harness, alice, key);

        Assert.IsType<SecondFactorResult.Malformed>(result);
        Assert.Equal(5, harness.Stored(alice).SecurityKeys[0].SignatureCounter);
        Assert.Single(harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id), e => e.Outcome == "refused");
    }

    [Fact]
    public async Task SignIn_KeyThatNeverCounts_IsAcceptedEachTime()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var passkey = new TestAuthenticator(Origin) { CountsSignatures = false };
        await RegisterAsync(harness, alice, passkey);

        Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(harness, alice, passkey));
        Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(harness, alice, passkey));
    }

    [Fact]
    public async Task SignIn_KeyOfAnotherAccount_IsRefused()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        using var aliceKey = new TestAuthenticator(Origin);
        using var bobKey = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, aliceKey);
        await RegisterAsync(harness, bob, bobKey);

        var result = await SignInWithAsync(harness, alice, bobKey);

        Assert.IsType<SecondFactorResult.Malformed>(result);
        Assert.Null(harness.Stored(bob).SecurityKeys[0].LastUsedAt);
        Assert.Null(harness.Stored(alice).SecurityKeys[0].LastUsedAt);
        Assert.DoesNotContain(harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id), e => e.Outcome == "succeeded");
    }

    [Fact]
    public async Task SignIn_FailedAndCancelledCeremonies_AreAuditedButCountNothing()
    {
        using var harness = NewHarness(new TwoFactorSettings { TotpFailuresBeforeRecovery = 3 });
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        var signIn = harness.Get<SecurityKeySignIn>();
        var (challenge, _) = await StartAsync(harness, alice);

        for (var i = 0; i < 5; i++)
        {
            var options = Assert.IsType<SecurityKeyPrompt.Ready>(await signIn.StartAsync(challenge, Ct)).OptionsJson;
            key.Origin = "https://evil.example";
            Assert.IsType<SecondFactorResult.Malformed>(await signIn.SubmitAsync(challenge, key.Assert(options), Client, Ct));
            Assert.IsType<SecurityKeyPrompt.Ready>(await signIn.StartAsync(challenge, Ct));
            signIn.CeremonyFailed(challenge, "NotAllowedError", Client);
        }

        var stored = harness.Stored(alice);
        Assert.Equal(AccountState.Normal, stored.State);
        Assert.Equal(0, stored.TotpFailures);
        Assert.Equal(0, stored.BackupFailures);
        Assert.Equal(5, harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id).Count(e => e.Outcome == "refused"));
        Assert.Equal(5, harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id).Count(e => e.Outcome == "cancelled"));
        key.Origin = Origin;
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.Get<SecurityKeySignIn>().SubmitAsync(
            challenge, key.Assert(Assert.IsType<SecurityKeyPrompt.Ready>(await signIn.StartAsync(challenge, Ct)).OptionsJson), Client, Ct));
    }

    /// <summary>Only Normal accepts a key: a state reached between the prompt and the submission refuses it unused.</summary>
    public static TheoryData<AccountState, string> StatesThatAcceptNoKey => new()
    {
        { AccountState.Recovery, nameof(SecondFactorResult.RecoveryRequired) },
        { AccountState.SuperLocked, nameof(SecondFactorResult.SuperLocked) },
    };

    [Theory]
    [MemberData(nameof(StatesThatAcceptNoKey))]
    public async Task SignIn_StateReachedMeanwhile_AcceptsNoKey(AccountState state, string verdict)
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        var (challenge, options) = await StartAsync(harness, alice);
        var assertion = key.Assert(options);
        Update(harness, alice, a => a.MoveTo(state, harness.Time.GetUtcNow()));

        var submitted = await harness.Get<SecurityKeySignIn>().SubmitAsync(challenge, assertion, Client, Ct);

        Assert.Equal(verdict, submitted.GetType().Name);
        Assert.Null(Assert.Single(harness.Stored(alice).SecurityKeys).LastUsedAt);
        Assert.Empty(harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id));
    }

    [Fact]
    public async Task Password_InRecovery_OffersNoKey()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        Update(harness, alice, a => a.StartRecovery(harness.Time.GetUtcNow()));

        var next = await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, Client, Ct);

        var nextChallenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(next).ChallengeId;
        Assert.False(harness.Get<SecurityKeySignIn>().IsOffered(nextChallenge));
        var prompt = Assert.IsType<SecurityKeyPrompt.Refused>(await harness.Get<SecurityKeySignIn>().StartAsync(nextChallenge, Ct));
        Assert.IsType<SecondFactorResult.RecoveryRequired>(prompt.Result);
    }

    // The moves that take the whole second factor away: each removes every key and ends a ceremony already started.
    private static readonly Dictionary<string, Func<CoreHarness, EnrolledAccount, Task>> SecondFactorResets = new(StringComparer.Ordinal)
    {
        ["console unlock"] = async (harness, _) =>
        {
            var unlock = await harness.Get<AccountAdministration>().UnlockAsync("alice", "root", Ct);
            Assert.True(unlock.Succeeded, unlock.Message);
        },
        ["completed recovery"] = async (harness, alice) =>
        {
            var challenge = await harness.ChallengeAsync(alice);
            var recovered = await harness.SignIn.SubmitBackupCodesAsync(challenge, alice.Codes(harness.Policy.RequiredCodesAtRecovery), Client, Ct);
            Assert.IsType<SecondFactorResult.SignedIn>(recovered);
        },
        ["administrator's reset"] = (harness, alice) =>
        {
            Update(harness, alice, a => a.ResetByAdministrator(harness.Time.GetUtcNow()));
            return Task.CompletedTask;
        },
    };

    public static TheoryData<string> SecondFactorResetNames => new(SecondFactorResets.Keys);

    [Theory]
    [MemberData(nameof(SecondFactorResetNames))]
    public async Task SecondFactorReset_RemovesEveryKeyAndEndsTheCeremonyUnderway(string reset)
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var first = new TestAuthenticator(Origin);
        using var second = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, first);
        await RegisterAsync(harness, alice, second);
        var (challenge, options) = await StartAsync(harness, alice);
        var assertion = second.Assert(options);

        await SecondFactorResets[reset](harness, alice);

        var stored = harness.Stored(alice);
        Assert.Empty(stored.SecurityKeys);
        Assert.False(stored.AcceptsSecurityKeys);
        Assert.IsType<SecondFactorResult.ChallengeExpired>(await harness.Get<SecurityKeySignIn>().SubmitAsync(challenge, assertion, Client, Ct));
    }

    [Fact]
    public async Task Remove_AfterStepUp_RemovesOnlyThatKeyAndEndsSessions()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var first = new TestAuthenticator(Origin);
        using var second = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, first, "First");
        await RegisterAsync(harness, alice, second, "Second");
        var stampBefore = harness.Stored(alice).SecurityStamp;
        var firstId = harness.Stored(alice).SecurityKeys[0].Id;
        var registry = harness.Get<SecurityKeyRegistry>();

        Assert.IsType<SecurityKeyChange.Refused>(await registry.RemoveAsync(alice.Id, firstId, Client, Ct));
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), SecurityKeyRegistry.RemovePurpose, Client, Ct));
        var removed = await registry.RemoveAsync(alice.Id, firstId, Client, Ct);

        Assert.Equal("First", Assert.IsType<SecurityKeyChange.Removed>(removed).Name);
        var stored = harness.Stored(alice);
        Assert.Equal(["Second"], stored.SecurityKeys.Select(k => k.Name));
        Assert.NotEqual(stampBefore, stored.SecurityStamp);
        Assert.IsType<SecondFactorResult.Malformed>(await SignInWithAsync(harness, alice, first));
        Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(harness, alice, second));
    }

    [Fact]
    public void Remove_LastSecondFactorWhile2FaRequired_IsNotAllowed()
    {
        // Only reachable if TOTP could go while keys stay; the rule is asked of the account either way.
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var account = harness.Stored(alice);

        Assert.False(account.MayRemoveSecurityKey(Guid.NewGuid(), TwoFactorSettings.Defaults));
    }

    [Fact]
    public async Task Keys_SurviveARestart()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key, "Blue key");
        Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(harness, alice, key));

        harness.Reopen();

        var stored = Assert.Single(harness.Stored(alice).SecurityKeys);
        Assert.Equal("Blue key", stored.Name);
        Assert.Equal(key.SignatureCounter, (uint)stored.SignatureCounter);
        Assert.NotNull(stored.LastUsedAt);
        Assert.IsType<SecondFactorResult.SignedIn>(await SignInWithAsync(harness, alice, key));
    }

    [Fact]
    public async Task SubmitAsync_SameAssertionSixteenTimesInParallel_SucceedsExactlyOnce()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        var (challenge, options) = await StartAsync(harness, alice);
        var assertion = key.Assert(options);
        var signIn = harness.Get<SecurityKeySignIn>();
        using var gate = new ManualResetEventSlim();

        var submissions = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            gate.Wait();
            return await signIn.SubmitAsync(challenge, assertion, Client, Ct);
        })).ToList();
        gate.Set();
        var results = await Task.WhenAll(submissions);

        Assert.Single(results, r => r is SecondFactorResult.SignedIn);
        Assert.All(results, r => Assert.True(r is SecondFactorResult.SignedIn or SecondFactorResult.ChallengeExpired, r.ToString()));
        Assert.Single(harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id), e => e.Outcome == "succeeded");
    }

    [Fact]
    public async Task SettingsPreview_LowerT_SaysRecoveryWouldStopTheirKey()
    {
        using var harness = NewHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        using var key = new TestAuthenticator(Origin);
        await RegisterAsync(harness, alice, key);
        Update(harness, alice, a => a.FailTotp(2, harness.Time.GetUtcNow()));

        var preview = NasDash.Features.GlobalTwoFactor.TwoFactorSettingsService.Preview(
            TwoFactorSettings.Defaults, TwoFactorSettings.Defaults with { TotpFailuresBeforeRecovery = 3 }, [harness.Stored(alice)], harness.Time.GetUtcNow());

        var impact = Assert.Single(preview.Impacts, i => i.UserName == "alice");
        Assert.Contains("In Recovery their security key no longer signs them in, and a completed recovery removes it.", impact.What, StringComparison.Ordinal);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CoreHarness NewHarness(TwoFactorSettings? policy = null) => new(policy, settings: new Dictionary<string, string?>
    {
        ["NasDash:WebAuthn:RelyingPartyId"] = RelyingPartyId,
        ["NasDash:WebAuthn:Origins:0"] = Origin,
    });

    private static async Task<SecurityKeyChange> RegisterAsync(CoreHarness harness, EnrolledAccount account, TestAuthenticator key, string name = "YubiKey")
    {
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(account.Id, harness.NextCode(account), SecurityKeyRegistry.RegisterPurpose, Client, Ct));
        var registry = harness.Get<SecurityKeyRegistry>();
        var registration = registry.StartRegistration(account.Id) ?? throw new InvalidOperationException("Registration refused.");
        return await registry.CompleteRegistrationAsync(registration, account.Id, name, key.Register(registration.OptionsJson), Client, Ct);
    }

    private static async Task<(string Challenge, string OptionsJson)> StartAsync(CoreHarness harness, EnrolledAccount account)
    {
        var challenge = await harness.ChallengeAsync(account);
        Assert.True(harness.Get<SecurityKeySignIn>().IsOffered(challenge));
        var prompt = Assert.IsType<SecurityKeyPrompt.Ready>(await harness.Get<SecurityKeySignIn>().StartAsync(challenge, Ct));
        return (challenge, prompt.OptionsJson);
    }

    private static async Task<SecondFactorResult> SignInWithAsync(CoreHarness harness, EnrolledAccount account, TestAuthenticator key)
    {
        var (challenge, options) = await StartAsync(harness, account);
        return await harness.Get<SecurityKeySignIn>().SubmitAsync(challenge, key.Assert(options), Client, Ct);
    }

    private static void Update(CoreHarness harness, EnrolledAccount account, Action<Account> transition)
    {
        var stored = harness.Stored(account);
        transition(stored);
        harness.Store.SaveSetUp(stored);
    }
}
