using System.Text.RegularExpressions;
using NasDash.Features.Audit;
using NasDash.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>One road for every security fact: typed on the account, committed once with its audit entry and notices.</summary>
public sealed class SecurityLedgerTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<SecurityFactKind> FactKinds => [.. Enum.GetValues<SecurityFactKind>()];

    public static TheoryData<SecurityNoticeKind> NoticeKinds => [.. Enum.GetValues<SecurityNoticeKind>()];

    [Theory]
    [MemberData(nameof(FactKinds))]
    public void EveryFactKind_HasANoticeDecision(SecurityFactKind kind)
    {
        var notice = SecurityNoticeRules.Decision(kind);

        Assert.NotNull(notice);
    }

    [Theory]
    [MemberData(nameof(NoticeKinds))]
    public void EveryNoticeKind_HasWordsAStableNameAndALabel(SecurityNoticeKind kind)
    {
        var writer = new NoticeWriter(new ApplianceIdentity("nas"), DashboardAddress.Fixed("https://nas:5443"));

        var message = writer.Write(new OutboxNotice { Kind = kind, At = DateTimeOffset.UnixEpoch, UserName = "alice", Actor = "bob", ClientAddress = "192.0.2.1" });

        Assert.Matches("alice|bob", message.Text);
        Assert.Contains("If ", message.Body, StringComparison.Ordinal);
        Assert.Matches("^[a-z]+(-[a-z]+)*$", NoticeWriter.EventName(kind));
        Assert.NotEqual(kind.ToString(), NoticeWriter.Label(kind));
    }

    [Fact]
    public void EveryAuditName_HasWordsAndItsOwnLogEventId()
    {
        Assert.All(AuditNames.All, name =>
        {
            Assert.False(string.IsNullOrWhiteSpace(name.Words));
            Assert.NotEqual(name.Id, AuditWording.EventName(name.Id));
            Assert.InRange(name.LogId, 1000, 1998);
        });
        Assert.Equal(AuditNames.All.Count, AuditNames.All.Select(n => n.LogId).Distinct().Count());
        Assert.Equal(AuditNames.All.Count, AuditNames.All.Select(n => n.Id).Distinct().Count());
    }

    [Fact]
    public void AuditNames_AreWrittenOnlyThroughTheVocabulary()
    {
        var app = Path.Combine(RepositoryRoot(), "App");
        var ids = AuditNames.All.Select(n => Regex.Escape(n.Id)).ToArray();
        var literal = new Regex("\"(" + string.Join('|', ids) + ")\"", RegexOptions.CultureInvariant);
        var offenders = Directory.EnumerateFiles(app, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && Path.GetFileName(f) != "AuditNames.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => literal.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(app, x.f)}:{x.i + 1}")
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public async Task SuperLockoutByEnrolmentCodes_QueuesExactlyOneNoticeWordedForItsPath()
    {
        using var harness = new CoreHarness(TwoFactorSettings.Defaults with { MaxFailedBackupSubmissions = 3 });
        var (id, _) = harness.CreateAccountAwaitingEnrolment("erin");
        var challenge = Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(
            await harness.SignIn.SubmitPasswordAsync("erin", TestPasswords.Default, "192.0.2.5", Cancel)).ChallengeId;
        var before = harness.Store.AllNotices(100).Count;

        for (var i = 0; i < 3; i++)
        {
            await harness.SignIn.SubmitEnrolmentCodeAsync(challenge, harness.WrongCodes(1)[0], "192.0.2.5", Cancel);
        }

        var notices = harness.Store.AllNotices(100).Take(harness.Store.AllNotices(100).Count - before).ToList();
        var superLocked = Assert.Single(notices);
        Assert.Equal(SecurityNoticeKind.SuperLocked, superLocked.Kind);
        Assert.Equal("erin", superLocked.UserName);
        Assert.Equal("192.0.2.5", superLocked.ClientAddress);
        var text = new NoticeWriter(new ApplianceIdentity("nas"), DashboardAddress.Fixed("https://nas")).Write(superLocked).Body;
        Assert.Contains("too many wrong enrolment codes from 192.0.2.5 super-locked erin", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuperLockout_ApplianceScope_IsOneCommitOfAccountAuditNoticeAlertAndLock()
    {
        using var harness = new CoreHarness(TwoFactorSettings.Defaults with { MaxFailedBackupSubmissions = 2, SuperLockScope = SuperLockScope.Appliance });
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);
        await harness.SignIn.SubmitBackupCodesAsync(challenge, harness.WrongCodes(2), "192.0.2.1", Cancel);
        var commits = harness.Store.Commits;

        var verdict = await harness.SignIn.SubmitBackupCodesAsync(challenge, harness.WrongCodes(2), "192.0.2.1", Cancel);

        Assert.IsType<SecondFactorResult.SuperLocked>(verdict);
        Assert.Equal(1, harness.Store.Commits - commits);
        Assert.Equal("alice", harness.Store.Get().ApplianceLockedBy);
        Assert.Contains(harness.Store.Open(), a => a.Key == AlertKeys.SuperLocked("alice"));
        Assert.Single(harness.Store.AllNotices(100), n => n.Kind == SecurityNoticeKind.SuperLocked);
        Assert.Equal(AccountState.SuperLocked, harness.Stored(alice).State);
    }

    [Fact]
    public async Task RecoveryStartedAndSucceededInOneSubmission_IsOneNotice()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);

        await harness.SignIn.SubmitBackupCodesAsync(challenge, alice.Codes(harness.Policy.RequiredCodesAtRecovery), "192.0.2.1", Cancel);

        Assert.Equal([SecurityNoticeKind.RecoverySucceeded], harness.Store.AllNotices(100).Select(n => n.Kind));
    }

    [Fact]
    public void AccountCarryingFacts_CannotBeSavedPastTheLedger()
    {
        using var harness = new CoreHarness();
        var alice = harness.Stored(harness.CreateEnrolledAccount("alice"));
        alice.RequirePasswordChange();

        Assert.Throws<InvalidOperationException>(() => harness.Store.Update(alice));
        harness.Get<SecurityLedger>().Commit(alice, new AuditEvent { At = harness.Time.GetUtcNow(), UserName = "bob", Event = AuditNames.UsersPasswordChangeForced.Id, Outcome = "succeeded" });

        var notice = Assert.Single(harness.Store.AllNotices(100));
        Assert.Equal((SecurityNoticeKind.PasswordChangeRequired, "alice", "bob"), (notice.Kind, notice.UserName, notice.Actor));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NasDash.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("NasDash.sln not found above the test binaries.");
    }
}
