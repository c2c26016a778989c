using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>API tokens in the core: minted after a step-up, stored as a hash, expiring, revoked with their administrator's credentials.</summary>
public sealed class ApiTokensTests
{
    private const string Client = "192.0.2.7";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public void Mint_WithoutAStepUp_IsRefusedAndStoresNothing()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        var result = harness.Get<ApiTokens>().Mint(alice.Id, "monitoring", ApiScopes.Read, 90, Client);

        Assert.IsType<ApiTokenMinting.Refused>(result);
        Assert.Empty(harness.Store.AllTokens());
    }

    [Fact]
    public async Task Mint_AfterAStepUp_GivesARecognisableTokenStoredOnlyAsItsHash_AuditedAndNoticed()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        var (text, row) = await MintAsync(harness, alice, ApiScopes.Read | ApiScopes.Metrics);

        Assert.Matches("^nasdash_[a-z2-7]{52}$", text);
        Assert.Equal(text[..12], row.Prefix);
        Assert.Equal(harness.Time.GetUtcNow().AddDays(90), row.ExpiresAt);
        var stored = Assert.Single(harness.Store.AllTokens());
        Assert.Equal(ApiTokens.HashOf(text), stored.Hash);
        Assert.DoesNotContain(text, File.ReadAllText(Path.Combine(harness.DataDirectory, "nasdash.db")), StringComparison.Ordinal);
        var entry = Assert.Single(harness.AuditOf("alice", "account.api-token-created"));
        Assert.Contains("read, metrics", entry.Detail, StringComparison.Ordinal);
        Assert.Contains(harness.Store.AllNotices(10), n => n.Kind == SecurityNoticeKind.ApiTokenCreated && n.UserName == "alice");
        var caller = Assert.IsType<ApiTokenCheck.Valid>(harness.Get<ApiTokens>().Check("Bearer " + text, Client)).Caller;
        Assert.Equal(("alice", "monitoring", ApiScopes.Read | ApiScopes.Metrics), (caller.UserName, caller.TokenName, caller.Scopes));
    }

    [Fact]
    public async Task Mint_ManyTimes_NoTwoTokensOrHashesAreEqual()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var texts = new List<string>();
        for (var i = 0; i < ApiTokens.MaxTokensPerAccount; i++)
        {
            texts.Add((await MintAsync(harness, alice, ApiScopes.Read)).Text);
            harness.Time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(texts.Count, texts.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(texts.Count, harness.Store.AllTokens().Select(t => t.Hash).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(1_000, Enumerable.Range(0, 1_000).Select(_ => ApiTokens.HashOf(ApiTokens.NewTokenText())).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(366)]
    public async Task Mint_WithALifetimeOutsideOneDayToAYear_IsRefused(int days)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), ApiTokens.CreatePurpose, null, Cancel));

        Assert.IsType<ApiTokenMinting.Refused>(harness.Get<ApiTokens>().Mint(alice.Id, "x", ApiScopes.Read, days, Client));
        Assert.IsType<ApiTokenMinting.Refused>(harness.Get<ApiTokens>().Mint(alice.Id, "x", ApiScopes.None, 30, Client));
    }

    [Fact]
    public async Task Check_AfterTheTokenExpired_IsRefused()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (text, _) = await MintAsync(harness, alice, ApiScopes.Read, days: 1);

        harness.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.IsType<ApiTokenCheck.Valid>(harness.Get<ApiTokens>().Check("Bearer " + text, Client));
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<ApiTokenCheck.Refused>(harness.Get<ApiTokens>().Check("Bearer " + text, Client));
        Assert.Empty(harness.Get<ApiTokens>().List(alice.Id));
    }

    [Fact]
    public async Task Revoke_TheOwnersToken_RefusesItAuditsAndNotices()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        var (text, row) = await MintAsync(harness, alice, ApiScopes.Read);
        var tokens = harness.Get<ApiTokens>();

        Assert.False(tokens.Revoke(bob.Id, row.Id, Client));
        Assert.IsType<ApiTokenCheck.Valid>(tokens.Check("Bearer " + text, Client));
        Assert.True(tokens.Revoke(alice.Id, row.Id, Client));

        Assert.IsType<ApiTokenCheck.Refused>(tokens.Check("Bearer " + text, Client));
        Assert.Empty(harness.Store.AllTokens());
        Assert.Single(harness.AuditOf("alice", "account.api-token-revoked"));
        Assert.Contains(harness.Store.AllNotices(10), n => n.Kind == SecurityNoticeKind.ApiTokenRevoked);
    }

    public static TheoryData<string> CredentialChanges => ["password change", "console unlock", "console password reset", "deletion"];

    [Theory]
    [MemberData(nameof(CredentialChanges))]
    public async Task Check_AfterTheAdministratorsCredentialsChanged_IsRefused(string change)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (text, _) = await MintAsync(harness, alice, ApiScopes.Read);

        switch (change)
        {
            case "password change":
                var account = harness.Stored(alice);
                account.PasswordChanged(harness.Passwords.Hash("another long password"));
                harness.Get<SecurityLedger>().Commit(account, new AuditEvent { At = harness.Time.GetUtcNow(), UserName = "alice", Event = AuditNames.AccountPasswordChanged.Id, Outcome = "succeeded" });
                break;
            case "console unlock":
                Assert.True((await harness.Administration.UnlockAsync("alice", "root", Cancel)).Succeeded);
                break;
            case "console password reset":
                Assert.True((await harness.Administration.ResetPasswordAsync("alice", "another long password", "root", Cancel)).Succeeded);
                break;
            default:
                Assert.True(harness.Store.Delete(alice.Id));
                break;
        }

        Assert.IsType<ApiTokenCheck.Refused>(harness.Get<ApiTokens>().Check("Bearer " + text, Client));
        harness.Get<ApiTokens>().FlushLastUsed();
        Assert.Empty(harness.Store.AllTokens());
    }

    [Fact]
    public async Task Check_ManyWrongTokensFromOneAddress_AreThrottledButTheOwnersTokenStillWorks()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (text, _) = await MintAsync(harness, alice, ApiScopes.Read);
        var tokens = harness.Get<ApiTokens>();

        var answers = Enumerable.Range(0, 100).Select(_ => tokens.Check("Bearer " + ApiTokens.NewTokenText(), Client)).ToList();

        Assert.Equal(AddressThrottle.FailureBurst, answers.Count(a => a is ApiTokenCheck.Refused));
        Assert.All(answers.Skip(AddressThrottle.FailureBurst), a => Assert.IsType<ApiTokenCheck.Throttled>(a));
        Assert.IsType<ApiTokenCheck.Valid>(tokens.Check("Bearer " + text, Client));
        Assert.IsType<ApiTokenCheck.Refused>(tokens.Check("Bearer " + ApiTokens.NewTokenText(), "192.0.2.8"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic YWxpY2U6cGFzc3dvcmQ=")]
    [InlineData("Bearer nasdash_")]
    [InlineData("Bearer nasdash_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Check_WithoutAWellFormedBearerToken_IsRefused(string? header)
    {
        using var harness = new CoreHarness();

        Assert.IsType<ApiTokenCheck.Refused>(harness.Get<ApiTokens>().Check(header, Client));
    }

    [Fact]
    public async Task LastUsed_IsKeptInMemoryAndWrittenOnlyByTheFlush()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (text, _) = await MintAsync(harness, alice, ApiScopes.Read);
        var tokens = harness.Get<ApiTokens>();

        harness.Time.Advance(TimeSpan.FromMinutes(5));
        for (var i = 0; i < 10; i++)
        {
            Assert.IsType<ApiTokenCheck.Valid>(tokens.Check("Bearer " + text, Client));
        }

        Assert.Null(Assert.Single(harness.Store.AllTokens()).LastUsedAt);
        Assert.Equal(harness.Time.GetUtcNow(), Assert.Single(tokens.List(alice.Id)).LastUsedAt);
        tokens.FlushLastUsed();
        Assert.Equal(harness.Time.GetUtcNow(), Assert.Single(harness.Store.AllTokens()).LastUsedAt);
    }

    internal static async Task<(string Text, ApiTokenRow Row)> MintAsync(CoreHarness harness, EnrolledAccount account, ApiScopes scopes, int days = 90)
    {
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(account.Id, harness.NextCode(account), ApiTokens.CreatePurpose, null, Cancel));
        var minted = Assert.IsType<ApiTokenMinting.Minted>(harness.Get<ApiTokens>().Mint(account.Id, "monitoring", scopes, days, Client));
        return (minted.Token, minted.Row);
    }
}
