using System.Runtime.Versioning;
using LiteDB;
using Microsoft.Extensions.Time.Testing;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Storage;

public class LiteDbStoreTests
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly FakeTimeProvider _time = new(CoreHarness.Start);

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Open_NewDataDirectory_DirectoryOwnerOnlyAndFilesOwnerReadWrite()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX file modes");
        using var temp = new TempDirectory();
        var data = temp.Combine("data");

        using (var store = new LiteDbStore(data, _time))
        {
            store.TryInsert(NewAccount("alice"));
            store.Append(new AuditEvent { At = _time.GetUtcNow(), Event = "test", Outcome = "ok" });

            Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(data));
            Assert.All(Directory.GetFiles(data), file => Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(file)));
            Assert.Contains(Path.Combine(data, DataDirectory.DatabaseFile), Directory.GetFiles(data));
        }

        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(data, DataDirectory.DatabaseFile)));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Open_AStoreAlreadyMigrated_WritesItsLogOwnerReadWriteOnly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX file modes");
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        using (var first = new LiteDbStore(data, _time))
        {
            first.TryInsert(NewAccount("alice"));
        }

        using var reopened = new LiteDbStore(data, _time);
        reopened.InTransaction(() => reopened.TryInsert(NewAccount("bob")));
        reopened.Append(new AuditEvent { At = _time.GetUtcNow(), Event = "test", Outcome = "ok" });

        var log = Path.Combine(data, "nasdash-log.db");
        Assert.True(File.Exists(log));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(log));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Open_ExistingDirectoryWithLooseMode_TightensItToOwnerOnly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX file modes");
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        using var store = new LiteDbStore(data, _time);

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(data));
    }

    [Fact]
    public void Open_SecondTimeInTheSameProcess_ThrowsStoreLocked()
    {
        using var temp = new TempDirectory();
        using var first = new LiteDbStore(temp.Path, _time);

        var refused = Assert.Throws<StoreLockedException>(() => new LiteDbStore(temp.Path, _time));

        Assert.Equal(temp.Path, refused.DataDirectory);
    }

    [Fact]
    public async Task Open_WhileAnotherProcessHoldsTheStore_ThrowsStoreLockedUntilItExits()
    {
        using var temp = new TempDirectory();
        using var child = StoreChildProcess.Start("hold", temp.Path);
        await child.WaitForLinesAsync(1, TimeSpan.FromSeconds(30));
        Assert.Equal("ready", child.Lines[0]);

        Assert.Throws<StoreLockedException>(() => new LiteDbStore(temp.Path, _time));

        Assert.Equal(0, await child.CloseInputAndWaitAsync(TimeSpan.FromSeconds(30)));
        using var reopened = new LiteDbStore(temp.Path, _time);
        Assert.True(reopened.IsWritable());
    }

    [Fact]
    public void Update_HundredWrites_LogFileStaysBounded()
    {
        using var temp = new TempDirectory();
        using var store = new LiteDbStore(temp.Path, _time);
        var account = NewAccount("alice");
        store.TryInsert(account);
        long largest = 0;

        for (var i = 0; i < 100; i++)
        {
            account.PasswordFailed(_time.GetUtcNow());
            store.Update(account, new AuditEvent { At = _time.GetUtcNow(), UserName = "alice", Event = "login.password", Outcome = "failed", Detail = $"failures={i}" });
            largest = Math.Max(largest, store.LogFileBytes);
        }

        // Each write is checkpointed into the data file, so the log never holds more than the write in flight.
        Assert.Equal(0, store.LogFileBytes);
        Assert.Equal(0, largest);
        Assert.Equal(100, store.Count(new AuditQuery(UserName: "alice")));
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("ALICE")]
    [InlineData(" alice ")]
    public void TryInsert_NameTakenInAnotherCase_Refused(string other)
    {
        using var temp = new TempDirectory();
        using var store = new LiteDbStore(temp.Path, _time);
        Assert.True(store.TryInsert(NewAccount("alice")));

        Assert.False(store.TryInsert(NewAccount(other)));
        Assert.Single(store.All());
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("ALICE")]
    [InlineData("  Alice\t")]
    public void FindByName_AnyCaseOrSurroundingSpace_FindsTheAccount(string typed)
    {
        using var temp = new TempDirectory();
        using var store = new LiteDbStore(temp.Path, _time);
        var alice = NewAccount("Alice");
        store.TryInsert(alice);

        Assert.Equal(alice.Id, store.FindByName(typed)?.Id);
    }

    [Theory]
    [InlineData("alice\0")]
    [InlineData("al\u00ADice")]
    [InlineData("alice\u200B")]
    [InlineData("\uFEFFalice")]
    public void FindByName_NameWithCharactersTheCollationIgnores_FindsNothing(string typed)
    {
        using var temp = new TempDirectory();
        using var store = new LiteDbStore(temp.Path, _time);
        store.TryInsert(NewAccount("alice"));

        Assert.Null(store.FindByName(typed));
    }

    [Fact]
    public void Update_ThenReopen_EveryAccountFieldRoundTrips()
    {
        using var temp = new TempDirectory();
        var codes = new BackupCodes(_time, iterations: 10).Generate(5).Stored;
        codes.Used[3] = true;
        var account = Account.CreateEnrolled("alice", "hash", _time.GetUtcNow(), "protected", 58_907_519, codes);
        account.TotpAccepted(58_907_520, _time.GetUtcNow().AddDays(-1));
        account.FailTotp(4, _time.GetUtcNow())
            .FailPasswords(5, _time.GetUtcNow().AddTicks(7))
            .FailBackupSubmissions(3, _time.GetUtcNow().AddTicks(1234567))
            .RequirePasswordChange();
        using (var store = new LiteDbStore(temp.Path, _time))
        {
            store.InsertSetUp(account);
            store.SaveSetUp(account);
        }

        using var reopened = new LiteDbStore(temp.Path, _time);
        var stored = reopened.FindById(account.Id)!;

        Assert.Equivalent(account, stored, strict: true);
        Assert.Equal(account.StateSince.UtcTicks, stored.StateSince.UtcTicks);
        Assert.Equal(TimeSpan.Zero, stored.StateSince.Offset);
        Assert.Equal(codes.Hashes, stored.SecondFactor.BackupCodes!.Hashes);
        Assert.Equal(codes.Used, stored.SecondFactor.BackupCodes!.Used);
    }

    [Fact]
    public void Update_AccountDeleted_ThrowsAndWritesNoAudit()
    {
        using var temp = new TempDirectory();
        using var store = new LiteDbStore(temp.Path, _time);
        var account = NewAccount("alice");
        store.TryInsert(account);
        store.Delete(account.Id);

        Assert.Throws<InvalidOperationException>(() => store.Update(account, new AuditEvent { Event = "login.totp", Outcome = "failed", UserName = "alice" }));
        Assert.Equal(0, store.Count(new AuditQuery()));
    }

    [Fact]
    public void InTransaction_SeveralStoreWrites_AllCommittedTogether()
    {
        using var temp = new TempDirectory();
        var account = NewAccount("alice");
        using (var store = new LiteDbStore(temp.Path, _time))
        {
            store.TryInsert(account);
            store.InTransaction(() => UnlockWrites(store, account));
        }

        using var reopened = new LiteDbStore(temp.Path, _time);
        Assert.True(reopened.FindById(account.Id)!.MustEnrol);
        Assert.True(reopened.Get().Ssh.LoginDisabled);
        Assert.Equal(1, reopened.Count(new AuditQuery(EventPrefix: "console.unlock")));
        Assert.Single(reopened.Open());
    }

    [Fact]
    public void InTransaction_LastWriteThrows_NothingCommittedEvenAfterReopen()
    {
        using var temp = new TempDirectory();
        var account = NewAccount("alice");
        using (var store = new LiteDbStore(temp.Path, _time))
        {
            store.TryInsert(account);
            Assert.Throws<TimeoutException>(() => store.InTransaction(() =>
            {
                UnlockWrites(store, account);
                throw new TimeoutException("the last write failed");
            }));
            Assert.False(store.FindById(account.Id)!.MustEnrol);
            Assert.False(store.Get().Ssh.LoginDisabled);
        }

        using var reopened = new LiteDbStore(temp.Path, _time);
        Assert.False(reopened.FindById(account.Id)!.MustEnrol);
        Assert.False(reopened.Get().Ssh.LoginDisabled);
        Assert.Equal(0, reopened.Count(new AuditQuery()));
        Assert.Empty(reopened.Open());
    }

    [Fact]
    public void Open_NewStore_RecordsCurrentSchemaVersion()
    {
        using var temp = new TempDirectory();
        using (new LiteDbStore(temp.Path, _time))
        {
        }

        using var raw = OpenRaw(temp.Path);
        Assert.Equal(Migrations.CurrentVersion, Migrations.Version(raw));
    }

    [Fact]
    public void Open_Reopened_KeepsSettingsAndDoesNotRunMigrationsAgain()
    {
        using var temp = new TempDirectory();
        using (var store = new LiteDbStore(temp.Path, _time))
        {
            var settings = store.Get();
            settings.SetupCompleted = true;
            settings.TwoFactor = settings.TwoFactor with { RequiredCodesAtRecovery = 3 };
            settings.Ssh.LoginDisabled = true;
            store.Save(settings);
        }

        long migratedAt;
        using (var raw = OpenRaw(temp.Path))
        {
            migratedAt = raw.GetCollection(Migrations.MetaCollection).FindById("schema")["at"].AsInt64;
        }

        _time.Advance(TimeSpan.FromDays(1));
        using (var reopened = new LiteDbStore(temp.Path, _time))
        {
            var settings = reopened.Get();
            Assert.True(settings.SetupCompleted);
            Assert.Equal(3, settings.TwoFactor.RequiredCodesAtRecovery);
            Assert.True(settings.Ssh.LoginDisabled);
        }

        using var after = OpenRaw(temp.Path);
        Assert.Equal(migratedAt, after.GetCollection(Migrations.MetaCollection).FindById("schema")["at"].AsInt64);
    }

    [Fact]
    public void Open_StoreWrittenByNewerVersion_RefusesToStartAndReleasesTheFiles()
    {
        using var temp = new TempDirectory();
        using (new LiteDbStore(temp.Path, _time))
        {
        }

        SetSchemaVersion(temp.Path, Migrations.CurrentVersion + 1);

        var refused = Assert.Throws<StoreRefusedException>(() => new LiteDbStore(temp.Path, _time));
        Assert.Equal(
            $"{temp.Combine(DataDirectory.DatabaseFile)} has schema version {Migrations.CurrentVersion + 1}; this NasDash understands up to {Migrations.CurrentVersion} and would drop what a newer one stored. Install the newer NasDash again, or restore a backup made by this version.",
            refused.Message);

        SetSchemaVersion(temp.Path, Migrations.CurrentVersion);
        using var reopened = new LiteDbStore(temp.Path, _time);
        Assert.True(reopened.IsWritable());
    }

    [Fact]
    public void Raise_SameKeyTwice_OneOpenAlertUntilAcknowledged()
    {
        using var temp = new TempDirectory();
        using var store = new LiteDbStore(temp.Path, _time);

        store.Raise("superlocked:alice", AlertSeverity.Critical, "first", "/users");
        var second = store.Raise("superlocked:alice", AlertSeverity.Critical, "second", "/users");

        Assert.Equal("second", Assert.Single(store.Open()).Message);
        Assert.True(store.Acknowledge(second.Id, "bob"));
        Assert.False(store.Acknowledge(second.Id, "bob"));
        Assert.Empty(store.Open());
        store.Raise("superlocked:alice", AlertSeverity.Critical, "third", "/users");
        store.Clear("superlocked:alice");
        Assert.Empty(store.Open());
        Assert.Equal(2, store.All(10).Count);
    }

    [Fact]
    public void Query_FiltersByUserPrefixAndTime_NewestFirst()
    {
        using var temp = new TempDirectory();
        using var store = new LiteDbStore(temp.Path, _time);
        for (var i = 0; i < 6; i++)
        {
            store.Append(new AuditEvent { At = _time.GetUtcNow().AddMinutes(i), UserName = i % 2 == 0 ? "alice" : "bob", Event = i < 3 ? "login.password" : "lockout.superlocked", Outcome = $"{i}" });
        }

        var found = store.Query(new AuditQuery(UserName: "alice", EventPrefix: "login.", From: _time.GetUtcNow().AddMinutes(1)));

        Assert.Equal(["2"], found.Select(e => e.Outcome));
        Assert.Equal(["4", "2", "0"], store.Query(new AuditQuery(UserName: "alice")).Select(e => e.Outcome));
        Assert.Equal(["0", "1", "2"], store.OldestAudit(3).Select(e => e.Outcome));
        Assert.Equal(3, store.PruneAudit(store.OldestAudit(3)[2].Id, new AuditEvent { At = _time.GetUtcNow(), Event = "audit.pruned", Outcome = "pruned" }));
        Assert.Equal(["audit.pruned", "lockout.superlocked", "lockout.superlocked", "lockout.superlocked"], store.Query(new AuditQuery()).Select(e => e.Event));
    }

    private Account NewAccount(string userName) => Account.Create(userName, "hash", _time.GetUtcNow(), mustEnrol: false);

    // The writes a console unlock could make as one decision: account, settings, audit, alert.
    private void UnlockWrites(LiteDbStore store, Account account)
    {
        account.UnlockAtConsole(_time.GetUtcNow());
        store.SaveSetUp(account);
        var settings = store.Get();
        settings.Ssh.LoginDisabled = true;
        store.Save(settings);
        store.Append(new AuditEvent { At = _time.GetUtcNow(), UserName = account.UserName, Event = "console.unlock", Outcome = "succeeded" });
        store.Raise("recovery:alice", AlertSeverity.Warning, "unlocked", null);
    }

    private static LiteDatabase OpenRaw(string dataDirectory) =>
        new(new ConnectionString { Filename = Path.Combine(dataDirectory, DataDirectory.DatabaseFile), Connection = ConnectionType.Direct });

    private static void SetSchemaVersion(string dataDirectory, int version)
    {
        using var raw = OpenRaw(dataDirectory);
        raw.GetCollection(Migrations.MetaCollection).Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = version, ["at"] = 0L });
    }
}
