using LiteDB;

namespace NasDash.Storage;

/// <summary>
/// Versioned schema steps run at start-up, each once, recorded in the meta collection. The version rises whenever a
/// stored type gains a field, even one that needs no step: an older build would drop that field on its first write, so it
/// must refuse the store instead (the fields of each version are recorded in App.Tests/Storage/SchemaTests.cs).
/// </summary>
internal static class Migrations
{
    public const string MetaCollection = "meta";
    public const int CurrentVersion = 4;

    private static readonly Action<LiteDatabase>[] Steps =
    [
        // 1: collections and indexes; the user-name index is unique on the lower-cased name.
        db =>
        {
            db.GetCollection<Account>("users").EnsureIndex(a => a.NormalizedUserName, unique: true);
            db.GetCollection<AuditEvent>("audit").EnsureIndex(e => e.At);
            db.GetCollection<AuditEvent>("audit").EnsureIndex(e => e.UserName);
            db.GetCollection<Alert>("alerts").EnsureIndex(a => a.Key);
            if (db.GetCollection<ApplianceSettings>("settings").FindById(1) is null)
            {
                db.GetCollection<ApplianceSettings>("settings").Insert(new ApplianceSettings());
            }
        },
        // 2: the outbox of security notices, read by "not done yet".
        db => db.GetCollection<OutboxNotice>("outbox").EnsureIndex(n => n.DoneAt),
        // 3: accounts hold security keys, the device generation, the device budgets, the enrolment code's password
        // budget and the steps refused while the clock was off, which a build of 2 would drop.
        _ => { },
        // 4: API tokens, found by the hash of their text; code sets record their code length (a set without one is of 12
        // characters, as every set stored before 80-bit codes); "This wasn't me" reports, found by the hash of their token;
        // outbox notices carry their report token (encrypted). Alert services saved before this version chose among the
        // kinds of notice they knew; the kinds added since (a change to someone's sign-in that used to go untold) are
        // switched on for both targets, as for a new appliance.
        db =>
        {
            db.GetCollection<ApiToken>("apitokens").EnsureIndex(t => t.Hash, unique: true);
            db.GetCollection<NotMeReport>("reports").EnsureIndex(r => r.TokenHash, unique: true);
            var notifications = db.GetCollection<NotificationSettings>("notifications");
            if (notifications.FindById(1) is { } saved)
            {
                saved.Email.Events = [.. saved.Email.Events.Union(NotificationDefaults.AddedInSchema4)];
                saved.Webhook.Events = [.. saved.Webhook.Events.Union(NotificationDefaults.AddedInSchema4)];
                notifications.Update(saved);
            }
        },
    ];

    public static int Version(LiteDatabase db) =>
        db.GetCollection(MetaCollection).FindById("schema")?["version"].AsInt32 ?? 0;

    /// <param name="understood">The newest schema this build reads and writes without dropping a field.</param>
    public static void Apply(LiteDatabase db, TimeProvider time, int understood = CurrentVersion)
    {
        var meta = db.GetCollection(MetaCollection);
        var version = Version(db);
        if (version > understood)
        {
            throw new InvalidOperationException($"The store has schema version {version}; this NasDash understands up to {understood}.");
        }

        for (var v = version; v < understood; v++)
        {
            db.BeginTrans();
            Steps[v](db);
            meta.Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = v + 1, ["at"] = time.GetUtcNow().UtcTicks });
            db.Commit();
        }
    }
}
