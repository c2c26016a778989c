using NasDash.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>"This wasn't me": every notice about an account carries a single-use link that can only tighten.</summary>
public sealed class NotMeReportsTests
{
    private const string Client = "198.51.100.7";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public void ANoticeAboutAnAccount_CarriesOneReportToken_Of128Bits_StoredOnlyAsItsHash()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        var (notice, token) = ChangePassword(harness, alice);

        Assert.Matches("^[A-Za-z0-9_-]{22}$", token);
        Assert.Equal(16, Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "==").Length);
        var report = Assert.IsType<NotMeReport>(harness.Store.FindReport(ReportLinks.Hash(token)));
        Assert.Equal((alice.Id, "alice", SecurityNoticeKind.PasswordChanged, notice.At + TimeSpan.FromDays(7), (DateTimeOffset?)null),
            (report.AccountId, report.UserName, report.NoticeKind, report.ExpiresAt, report.UsedAt));
        Assert.DoesNotContain(token, notice.ProtectedReportToken, StringComparison.Ordinal);
        Assert.Equal(1, harness.Store.AllNotices(100).Count(n => n.ProtectedReportToken is not null));

        var message = Writer(harness).Write(notice);
        Assert.Equal($"https://nas-test/report/{token}", message.ReportUrl);
        Assert.Contains($"Not you? Report it first: open https://nas-test/report/{token}", message.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_EndsEverySession_RaisesTheAlert_QueuesANotice_IsALockoutEvent_AndChangesNothingElse()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (_, token) = ChangePassword(harness, alice);
        var before = harness.Stored(alice);
        var notices = harness.Store.AllNotices(100).Count;
        harness.EndedSessions.Clear();

        var view = await harness.Get<NotMeReports>().ConfirmAsync(token, Client, Cancel);

        Assert.Equal(NotMeOutcome.Confirmed, view.Outcome);
        var after = harness.Stored(alice);
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
        Assert.Equal([alice.Id], harness.EndedSessions);
        Assert.Equal((before.State, before.PasswordHash, before.SecondFactor.ProtectedTotpSecret, before.SecondFactor.BackupCodes?.Hashes.Count, before.MustEnrol, before.MustChangePassword),
            (after.State, after.PasswordHash, after.SecondFactor.ProtectedTotpSecret, after.SecondFactor.BackupCodes?.Hashes.Count, after.MustEnrol, after.MustChangePassword));
        Assert.Contains(harness.Store.Open(), a => a.Key == AlertKeys.ReportedNotMine("alice") && a.Severity == AlertSeverity.Critical);
        var queued = harness.Store.AllNotices(100);
        Assert.Equal(notices + 1, queued.Count);
        var reported = Assert.Single(queued, n => n.Kind == SecurityNoticeKind.ReportedNotMine);
        Assert.Equal(("alice", Client), (reported.UserName, reported.ClientAddress));
        Assert.Contains("alice reported a change as not theirs", Writer(harness).Write(reported).Title, StringComparison.Ordinal);
        var lockout = Assert.Single(harness.Lockouts.Events);
        Assert.Equal((LockoutEventKind.ReportedNotMine, alice.Id, Client), (lockout.Kind, lockout.AccountId, lockout.ClientAddress));
        Assert.Single(harness.AuditOf("alice", AuditNames.AccountReportedNotMe.Id));
        Assert.NotNull(harness.Store.FindReport(ReportLinks.Hash(token))?.UsedAt);
    }

    /// <summary>An intruder's first step is an address of their own: a report takes away every address added in the week before the disowned event.</summary>
    [Fact]
    public async Task Confirm_RemovesTheAddressesAddedInTheWeekBeforeTheEvent_KeepsOlderOnes()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var owners = await NotificationAddressesTests.AddConfirmedAsync(harness, alice, NotificationAddressKind.Webhook, "https://ntfy.example/alice-own-topic-Ab12");
        harness.Time.Advance(TimeSpan.FromDays(30));
        var intruders = await NotificationAddressesTests.AddConfirmedAsync(harness, alice, NotificationAddressKind.Webhook, "https://ntfy.example/not-alice-Qx9");
        harness.Time.Advance(TimeSpan.FromHours(1));
        var (_, token) = ChangePassword(harness, alice);

        Assert.Equal(NotMeOutcome.Confirmed, (await harness.Get<NotMeReports>().ConfirmAsync(token, Client, Cancel)).Outcome);

        Assert.Equal([owners.Id], harness.Stored(alice).NotificationAddresses.Select(a => a.Id));
        Assert.DoesNotContain(intruders.Id, harness.Stored(alice).NotificationAddresses.Select(a => a.Id));
        Assert.Single(harness.Store.AllNotices(100), n => n.Kind == SecurityNoticeKind.NotificationAddressRemoved);
    }

    [Fact]
    public async Task ConfirmTwice_TheSecondSaysAlreadyUsedAndChangesNothing()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (_, token) = ChangePassword(harness, alice);
        var reports = harness.Get<NotMeReports>();
        Assert.Equal(NotMeOutcome.Confirmed, (await reports.ConfirmAsync(token, Client, Cancel)).Outcome);

        await AssertChangesNothing(harness, alice, async () =>
        {
            Assert.Equal(NotMeOutcome.AlreadyUsed, (await reports.ConfirmAsync(token, Client, Cancel)).Outcome);
            Assert.Equal(NotMeOutcome.AlreadyUsed, (await reports.LookAsync(token, Client, Cancel)).Outcome);
        });
    }

    [Fact]
    public async Task ConfirmTwiceAtOnce_OnlyOneConfirms()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (_, token) = ChangePassword(harness, alice);
        var reports = harness.Get<NotMeReports>();

        var outcomes = await Task.WhenAll(reports.ConfirmAsync(token, Client, Cancel), reports.ConfirmAsync(token, "198.51.100.8", Cancel));

        Assert.Equal([NotMeOutcome.Confirmed, NotMeOutcome.AlreadyUsed], outcomes.Select(v => v.Outcome).Order());
        Assert.Single(harness.Lockouts.Events);
    }

    [Fact]
    public async Task AnExpiredLink_SaysSoAndChangesNothing()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (_, token) = ChangePassword(harness, alice);
        var reports = harness.Get<NotMeReports>();
        Assert.Equal(NotMeOutcome.Open, (await reports.LookAsync(token, Client, Cancel)).Outcome);
        harness.Time.Advance(TimeSpan.FromDays(7));

        await AssertChangesNothing(harness, alice, async () =>
        {
            Assert.Equal(NotMeOutcome.Expired, (await reports.LookAsync(token, Client, Cancel)).Outcome);
            Assert.Equal(NotMeOutcome.Expired, (await reports.ConfirmAsync(token, Client, Cancel)).Outcome);
        });
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not a token")]
    [InlineData("")]
    [InlineData(null)]
    public async Task AnUnknownLink_SaysSoAndChangesNothing(string? token)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        ChangePassword(harness, alice);
        var reports = harness.Get<NotMeReports>();

        await AssertChangesNothing(harness, alice, async () =>
        {
            Assert.Equal(NotMeOutcome.Unknown, (await reports.LookAsync(token, Client, Cancel)).Outcome);
            Assert.Equal(NotMeOutcome.Unknown, (await reports.ConfirmAsync(token, Client, Cancel)).Outcome);
        });
    }

    [Fact]
    public async Task UnknownLinks_AreThrottledPerAddress_SoThePageIsNoOracle()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (_, token) = ChangePassword(harness, alice);
        var reports = harness.Get<NotMeReports>();
        for (var i = 0; i < AddressThrottle.FailureBurst; i++)
        {
            Assert.Equal(NotMeOutcome.Unknown, (await reports.ConfirmAsync("AAAAAAAAAAAAAAAAAAAAAA", Client, Cancel)).Outcome);
        }

        Assert.Equal(NotMeOutcome.Throttled, (await reports.ConfirmAsync(token, Client, Cancel)).Outcome);
        Assert.Equal(NotMeOutcome.Open, (await reports.LookAsync(token, "198.51.100.8", Cancel)).Outcome);
        Assert.Empty(harness.Lockouts.Events);
    }

    private static (OutboxNotice Notice, string Token) ChangePassword(CoreHarness harness, EnrolledAccount alice)
    {
        var account = harness.Stored(alice);
        account.PasswordChanged(harness.Passwords.Hash("a new password, long enough"));
        harness.Get<SecurityLedger>().Commit(account, new AuditEvent
        {
            At = harness.Time.GetUtcNow(),
            UserName = account.UserName,
            ClientAddress = "192.0.2.1",
            Event = AuditNames.AccountPasswordChanged.Id,
            Outcome = "succeeded",
        });
        var notice = Assert.Single(harness.Store.AllNotices(100), n => n.Kind == SecurityNoticeKind.PasswordChanged);
        return (notice, harness.Get<ReportLinks>().TokenOf(notice) ?? throw new InvalidOperationException("The notice has no report token."));
    }

    private static NoticeWriter Writer(CoreHarness harness) =>
        new(new ApplianceIdentity("nas-test"), DashboardAddress.Fixed("https://nas-test"), harness.Get<ReportLinks>());

    private static async Task AssertChangesNothing(CoreHarness harness, EnrolledAccount alice, Func<Task> act)
    {
        var stamp = harness.Stored(alice).SecurityStamp;
        var notices = harness.Store.AllNotices(100).Count;
        var lockouts = harness.Lockouts.Events.Count;
        var alerts = harness.Store.Open().Count;
        harness.EndedSessions.Clear();

        await act();

        Assert.Equal((stamp, notices, lockouts, alerts), (harness.Stored(alice).SecurityStamp, harness.Store.AllNotices(100).Count, harness.Lockouts.Events.Count,
            harness.Store.Open().Count));
        Assert.Empty(harness.EndedSessions);
    }
}
