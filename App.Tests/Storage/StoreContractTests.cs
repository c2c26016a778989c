using Microsoft.Extensions.Time.Testing;
using NasDash.Fleet;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Storage;

/// <summary>
/// The promises the security core relies on, held by every store it may run on: the appliance's LiteDB file and the
/// fleet's etcd cluster. Each test runs once per store (the two subclasses below).
/// </summary>
public abstract class StoreContractTests : IDisposable
{
    protected FakeTimeProvider Time { get; } = new(CoreHarness.Start);

    /// <summary>One store implementing every store interface the core asks for.</summary>
    protected abstract object Store { get; }

    private IAccountStore Accounts => (IAccountStore)Store;
    private IStoreTransactions Transactions => (IStoreTransactions)Store;
    private IAuditLog Audit => (IAuditLog)Store;
    private ISettingsStore Settings => (ISettingsStore)Store;
    private IAlertStore Alerts => (IAlertStore)Store;
    private INoticeOutbox Outbox => (INoticeOutbox)Store;
    private IApiTokenStore Tokens => (IApiTokenStore)Store;
    private IReportTokens Reports => (IReportTokens)Store;
    private INotificationSettingsStore Notifications => (INotificationSettingsStore)Store;

    [Fact]
    public void Insert_ThenFind_ByNameAnyCaseAndById_SameAccount()
    {
        var alice = NewAccount("Alice");

        Assert.True(Accounts.TryInsert(alice));

        var byName = Assert.IsType<Account>(Accounts.FindByName("ALICE"));
        Assert.Equal(alice.Id, byName.Id);
        Assert.Equal(alice.CreatedAt, byName.CreatedAt);
        Assert.Equal(alice.Id, Accounts.FindById(alice.Id)?.Id);
        Assert.Null(Accounts.FindByName("alice\0"));
        Assert.Null(Accounts.FindById(Guid.NewGuid()));
    }

    [Fact]
    public void Insert_NameTakenInAnotherCase_RefusedAndNothingWritten()
    {
        Assert.True(Accounts.TryInsert(NewAccount("alice")));

        var second = NewAccount("ALICE");
        Assert.False(Accounts.TryInsert(second));

        Assert.Null(Accounts.FindById(second.Id));
        Assert.Single(Accounts.All());
    }

    [Fact]
    public void Update_WithAudit_BothCommittedTogether()
    {
        var alice = NewAccount("alice");
        Accounts.TryInsert(alice);
        alice.PasswordFailed(Time.GetUtcNow());

        Accounts.Update(alice, Entry("login.password", "alice"));

        Assert.Equal(1, Accounts.FindById(alice.Id)!.PasswordFailures);
        var entry = Assert.Single(Audit.Query(new AuditQuery()));
        Assert.Equal("login.password", entry.Event);
        Assert.NotEqual(0, entry.Id);
    }

    [Fact]
    public void InTransaction_ThrowsHalfWay_NothingOfItCommitted()
    {
        var alice = NewAccount("alice");
        Accounts.TryInsert(alice);
        alice = Accounts.FindById(alice.Id)!;

        Assert.Throws<InvalidOperationException>(() => Transactions.InTransaction(() =>
        {
            alice.PasswordFailed(Time.GetUtcNow());
            Accounts.Update(alice, Entry("login.password", "alice"));
            Settings.Update(s => s.ApplianceLockedBy = "alice");
            throw new InvalidOperationException("half-way");
        }));

        Assert.Equal(0, Accounts.FindById(alice.Id)!.PasswordFailures);
        Assert.Equal(0, Audit.Count(new AuditQuery()));
        Assert.Null(Settings.Get().ApplianceLockedBy);
    }

    [Fact]
    public void Update_AccountDeletedMeanwhile_RefusedAndNotRecreated()
    {
        var alice = NewAccount("alice");
        Accounts.TryInsert(alice);

        Assert.True(Accounts.Delete(alice.Id));
        Assert.Throws<InvalidOperationException>(() => Accounts.Update(alice));

        Assert.Null(Accounts.FindById(alice.Id));
        Assert.Null(Accounts.FindByName("alice"));
        Assert.False(Accounts.Delete(alice.Id));
        Assert.True(Accounts.TryInsert(NewAccount("alice")));
    }

    [Fact]
    public void Transaction_ReadsItsOwnWrites_TwoSettingsChangesBothKept()
    {
        Transactions.InTransaction(() =>
        {
            Settings.Update(s => s.ApplianceLockedBy = "alice");
            Settings.Update(s => s.Ssh.LoginDisabled = true);
        });

        var settings = Settings.Get();
        Assert.Equal("alice", settings.ApplianceLockedBy);
        Assert.True(settings.Ssh.LoginDisabled);
    }

    [Fact]
    public void Audit_QueriedByUserPrefixAndPage_NewestFirst()
    {
        for (var i = 0; i < 5; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            Audit.Append(Entry(i % 2 == 0 ? "login.totp" : "settings.saved", i % 2 == 0 ? "alice" : "bob"));
        }

        var alice = Audit.Query(new AuditQuery(UserName: "alice"));
        Assert.Equal(3, alice.Count);
        Assert.True(alice[0].At > alice[1].At);
        Assert.Equal(2, Audit.Count(new AuditQuery(EventPrefix: "settings.")));
        var page = Audit.Query(new AuditQuery(Take: 2));
        var next = Audit.Query(new AuditQuery(Take: 2, BeforeId: page[^1].Id));
        Assert.Equal(2, next.Count);
        Assert.True(next[0].Id < page[^1].Id);
    }

    [Fact]
    public void Alerts_RaisedTwiceAcknowledgedCleared_OneOpenPerKey()
    {
        var first = Alerts.Raise("ssh-disabled", AlertSeverity.Warning, "one", "/ssh");
        var again = Alerts.Raise("ssh-disabled", AlertSeverity.Critical, "two", "/ssh");

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("two", Assert.Single(Alerts.Open()).Message);
        Assert.True(Alerts.Acknowledge(first.Id, "alice"));
        Assert.False(Alerts.Acknowledge(first.Id, "alice"));
        Assert.Empty(Alerts.Open());
        Alerts.Raise("superlocked:alice", AlertSeverity.Critical, "three", null);
        Alerts.Clear("superlocked:alice");
        Assert.Empty(Alerts.Open());
        Assert.Equal(2, Alerts.All(10).Count);
    }

    [Fact]
    public void Outbox_QueuedThenDone_PendingOldestFirstSignalAfterCommit()
    {
        var signals = 0;
        Outbox.NoticeQueued += () => signals++;
        var older = new OutboxNotice { Kind = SecurityNoticeKind.SuperLocked, At = Time.GetUtcNow(), UserName = "alice" };
        var newer = new OutboxNotice { Kind = SecurityNoticeKind.SuperLocked, At = Time.GetUtcNow().AddSeconds(1), UserName = "bob" };

        Outbox.Queue([newer, older]);

        Assert.Equal(1, signals);
        Assert.Equal([older.Id, newer.Id], Outbox.Pending(10).Select(n => n.Id));
        older.DoneAt = Time.GetUtcNow();
        Outbox.Save(older, Entry("notice.sent", "alice"));
        Assert.Equal(newer.Id, Assert.Single(Outbox.Pending(10)).Id);
        Assert.Equal(1, Audit.Count(new AuditQuery(EventPrefix: "notice.")));
    }

    [Fact]
    public void TokensReportsAndNotificationSettings_RoundTrip()
    {
        var token = new ApiToken { Name = "backup script", AccountId = Guid.NewGuid(), CreatedAt = Time.GetUtcNow() };
        Tokens.InsertToken(token);
        Tokens.SaveLastUsed(new Dictionary<Guid, DateTimeOffset> { [token.Id] = Time.GetUtcNow().AddMinutes(1) });
        Assert.Equal(Time.GetUtcNow().AddMinutes(1), Assert.Single(Tokens.AllTokens()).LastUsedAt);
        Assert.True(Tokens.DeleteToken(token.Id));
        Assert.False(Tokens.DeleteToken(token.Id));

        var report = new NotMeReport { TokenHash = "AB12", UserName = "alice", At = Time.GetUtcNow(), ExpiresAt = Time.GetUtcNow().AddDays(7) };
        Reports.InsertReport(report);
        report.UsedAt = Time.GetUtcNow();
        Reports.UpdateReport(report);
        Assert.Equal(Time.GetUtcNow(), Reports.FindReport("AB12")?.UsedAt);
        Assert.Null(Reports.FindReport("CD34"));

        var notifications = Notifications.GetNotificationSettings();
        notifications.Email.Host = "mail.example.lan";
        Notifications.SaveNotificationSettings(notifications, Entry("notifications.saved", "alice"));
        Assert.Equal("mail.example.lan", Notifications.GetNotificationSettings().Email.Host);
    }

    protected Account NewAccount(string name) => Account.Create(name, "hash", Time.GetUtcNow());

    protected AuditEvent Entry(string name, string user) =>
        new() { At = Time.GetUtcNow(), UserName = user, Event = name, Outcome = "ok" };

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}

public sealed class LiteDbStoreContractTests : StoreContractTests
{
    private readonly TempDirectory _directory = new();
    private readonly LiteDbStore _store;

    public LiteDbStoreContractTests() => _store = new LiteDbStore(_directory.Path, Time);

    protected override object Store => _store;

    protected override void Dispose(bool disposing)
    {
        _store.Dispose();
        _directory.Dispose();
    }
}

/// <summary>The same promises on a real 3-member etcd cluster (one per test class), each test under its own prefix.</summary>
public sealed class EtcdStoreContractTests(EtcdClusterFixture cluster) : StoreContractTests, IClassFixture<EtcdClusterFixture>
{
    private EtcdStore? _store;

    protected override object Store => _store ??= cluster.NewStore(Time);

    protected override void Dispose(bool disposing)
    {
    }
}
