using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using LiteDB;
using Microsoft.Extensions.Time.Testing;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Storage;

/// <summary>
/// Schema honesty: a build never opens a store newer than it understands (it would drop fields on its first write), and
/// the version rises whenever a stored type gains or loses a field.
/// </summary>
public sealed class SchemaTests
{
    // The fields each schema version stores, as a SHA-256 of StoredFields(). Never edit a line: a change of the stored
    // fields is a new version (Migrations.CurrentVersion + 1, with its step) and a new line here.
    private static readonly Dictionary<int, string> FieldsOfVersion = new()
    {
        [3] = "06B181275428C8A7BCC1A4A149F6E58F52F76A40232DE760AF437DBC5F4C3883",
        [4] = "C74E8F66E93D92317CDE453D228E2299D3FABDE7AACCBF9AE667502790B40A81",
    };

    private static readonly Type[] StoredTypes =
        [typeof(Account), typeof(ApplianceSettings), typeof(AuditEvent), typeof(Alert), typeof(OutboxNotice), typeof(NotificationSettings), typeof(ApiToken), typeof(NotMeReport)];

    [Fact]
    public void Upgrade_To4_AlertServicesSavedBefore_GetTheNewKindsOfNoticeOnBothTargetsAndKeepTheirOwnChoice()
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider(CoreHarness.Start);
        using (var older = new LiteDbStore(temp.Path, time, understoodSchema: 3))
        {
            var saved = older.GetNotificationSettings();
            saved.Email.Events = [SecurityNoticeKind.SuperLocked];
            saved.Webhook.Events = [SecurityNoticeKind.SshDisabled];
            older.SaveNotificationSettings(saved, new AuditEvent { At = time.GetUtcNow(), Event = AuditNames.SettingsNotifications.Id, Outcome = "saved" });
        }

        using var upgraded = new LiteDbStore(temp.Path, time);

        var settings = upgraded.GetNotificationSettings();
        Assert.Equal([SecurityNoticeKind.SuperLocked, .. NotificationDefaults.AddedInSchema4], settings.Email.Events);
        Assert.Equal([SecurityNoticeKind.SshDisabled, .. NotificationDefaults.AddedInSchema4], settings.Webhook.Events);
    }

    [Fact]
    public void Open_AStoreOfThisBuildByABuildOfTheSchemaBefore_RefusesInOneLineAndLeavesTheStoreAsItWas()
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider(CoreHarness.Start);
        using (var current = new LiteDbStore(temp.Path, time))
        {
            current.TryInsert(Account.Create("alice", "hash", time.GetUtcNow()));
        }

        var refused = Assert.Throws<StoreRefusedException>(() => new LiteDbStore(temp.Path, time, understoodSchema: Migrations.CurrentVersion - 1));

        Assert.Equal(
            $"{temp.Combine(DataDirectory.DatabaseFile)} has schema version {Migrations.CurrentVersion}; this NasDash understands up to {Migrations.CurrentVersion - 1} and would drop what a newer one stored. Install the newer NasDash again, or restore a backup made by this version.",
            refused.Message);
        using var again = new LiteDbStore(temp.Path, time);
        Assert.NotNull(again.FindByName("alice"));
    }

    [Fact]
    public void StoredTypes_TheirFields_AreTheOnesRecordedForTheCurrentSchemaVersion()
    {
        var fields = StoredFields();
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', fields))));

        Assert.True(FieldsOfVersion.TryGetValue(Migrations.CurrentVersion, out var recorded) && recorded == fingerprint,
            $"The stored fields are not those recorded for schema version {Migrations.CurrentVersion}. If a stored type gained or lost a field, " +
            $"raise Migrations.CurrentVersion and add [{Migrations.CurrentVersion + 1}] = \"{fingerprint}\" to FieldsOfVersion. The fields now:\n{string.Join('\n', fields)}");
    }

    // Every field LiteDB writes for the stored types, nested documents and list elements included, as Type.field: type.
    private static List<string> StoredFields()
    {
        var mapper = LiteDbStore.CreateMapper();
        var entityMapper = typeof(BsonMapper).GetMethod("GetEntityMapper", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("LiteDB's BsonMapper.GetEntityMapper is gone; find its new name.");
        var fields = new List<string>();
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>(StoredTypes);
        while (pending.TryDequeue(out var type))
        {
            if (!seen.Add(type))
            {
                continue;
            }

            var entity = (EntityMapper)entityMapper.Invoke(mapper, [type])!;
            foreach (var member in entity.Members)
            {
                var data = member.UnderlyingType ?? member.DataType;
                fields.Add($"{type.Name}.{member.FieldName}: {member.DataType}");
                if (IsDocument(data))
                {
                    pending.Enqueue(data);
                }
            }
        }

        fields.Sort(StringComparer.Ordinal);
        return fields;
    }

    private static bool IsDocument(Type type)
    {
        var plain = Nullable.GetUnderlyingType(type) ?? type;
        return plain.IsClass && plain != typeof(string) && plain != typeof(byte[]) && plain != typeof(BsonDocument) && plain != typeof(BsonValue)
            && !plain.IsArray && plain.Namespace?.StartsWith("NasDash", StringComparison.Ordinal) == true;
    }
}
