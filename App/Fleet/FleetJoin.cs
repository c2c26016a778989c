using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using LiteDB;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>Which side's administrators stay when a standalone appliance joins a fleet that already has some.</summary>
public enum JoinKeep
{
    /// <summary>Only an empty fleet is joined.</summary>
    Neither,
    /// <summary>The fleet's administrators stay; this appliance's are set aside with its old store.</summary>
    Fleet,
    /// <summary>This appliance's administrators replace the fleet's.</summary>
    Local,
}

/// <summary>
/// `nasdash console fleet join`: everything a standalone appliance holds moves into the fleet NasDash:Fleet:Etcd names,
/// then its own store is set aside (renamed, never deleted) and the next start is in the fleet. In this order:
/// <list type="number">
/// <item>Everything is read and checked (the fleet's administrators against --keep, the key-ring key, the size); a
/// refusal here changes nothing.</item>
/// <item>&lt;data&gt;/fleet-joining is written (<see cref="FleetJoinMarker"/>): from here on nothing starts on either
/// store until the join is finished.</item>
/// <item>The security part, in one etcd transaction that fails if the fleet's administrators changed since they were
/// read: the administrators and their names, the settings, the alert-service settings, the Data Protection keys and the
/// join's audit entry. Administrators too many for that transaction are written ahead ("staged") under the same compare;
/// without their names/ entry nobody can sign in to them, and the transaction with the names makes them all visible at
/// once. If the compare fails, the staged ones are deleted again: nothing changed.</item>
/// <item>The rest in batches: API tokens, report links, alerts, pending notices and the audit log.</item>
/// <item>The standalone store is renamed aside; fleet-left and the marker are removed.</item>
/// </list>
/// Every transaction also moves the join's progress key (<see cref="JoinProgress"/>) on from the value it compares, so
/// run again after a crash or a lost fleet, the join goes on where the fleet says it stopped and never writes a batch
/// twice (a notice delivered meanwhile is not put back as pending, a token revoked meanwhile not brought back). A staging
/// that was interrupted is undone and the join starts over, checks and all.
/// </summary>
public sealed class FleetJoin
{
    // Names in one detail line; the rest are counted.
    private const int NamesShown = 10;

    private readonly string _dataDirectory;
    private readonly EtcdFleetOptions _fleet;
    private readonly string _keyRingKeyFile;
    private readonly JoinKeep _keep;
    private readonly AuditBound _audit;
    private readonly TimeProvider _time;
    private readonly string _actor;
    private readonly EtcdClient _client;
    private readonly DataDirectoryLock _held;
    private readonly Action<JoinProgress?>? _committed;
    private readonly BsonMapper _mapper = LiteDbStore.CreateMapper();

    private FleetJoin(string dataDirectory, EtcdFleetOptions fleet, string keyRingKeyFile, JoinKeep keep, AuditBound audit, TimeProvider time, string actor,
        EtcdClient client, DataDirectoryLock held, Action<JoinProgress?>? committed)
    {
        _dataDirectory = dataDirectory;
        _fleet = fleet;
        _keyRingKeyFile = keyRingKeyFile;
        _keep = keep;
        _audit = audit;
        _time = time;
        _actor = actor;
        _client = client;
        _held = held;
        _committed = committed;
    }

    private string Prefix => _fleet.KeyPrefix;

    public static string Run(string dataDirectory, EtcdFleetOptions fleet, string keyRingKeyFile, JoinKeep keep, AuditBound audit, TimeProvider time, string actor) =>
        Run(dataDirectory, fleet, keyRingKeyFile, keep, audit, time, actor, committed: null);

    /// <param name="committed">Called after each transaction the fleet committed, with the progress it recorded (tests stop there, as a crash would).</param>
    internal static string Run(string dataDirectory, EtcdFleetOptions fleet, string keyRingKeyFile, JoinKeep keep, AuditBound audit, TimeProvider time, string actor,
        Action<JoinProgress?>? committed)
    {
        if (!fleet.IsConfigured)
        {
            throw new StoreRefusedException("NasDash:Fleet:Etcd:Endpoints is not set: put the fleet's settings in the configuration (/etc/nasdash/appsettings.json) first, then join. Nothing changed.");
        }

        // Held until the store is set aside: a server that starts meanwhile is refused rather than run on the store being moved.
        using var held = FleetMembership.HoldToSwitch(dataDirectory, "join");
        var pending = FleetJoinMarker.Read(dataDirectory);
        if (pending is not null && pending.Prefix != fleet.KeyPrefix)
        {
            throw new StoreRefusedException($"A join into the fleet {pending.Prefix} did not finish ({FleetJoinMarker.PathIn(dataDirectory)}), but NasDash:Fleet:Etcd:Prefix names {fleet.KeyPrefix}: "
                + "put that fleet back in the configuration and run the join again to finish it. Nothing changed.");
        }

        if (pending is null && !File.Exists(Path.Combine(dataDirectory, DataDirectory.DatabaseFile)))
        {
            throw new StoreRefusedException($"{dataDirectory} holds no standalone store ({DataDirectory.DatabaseFile}): nothing to move into the fleet. Nothing changed.");
        }

        using var client = EtcdConnection.Open(fleet);
        var join = new FleetJoin(dataDirectory, fleet, keyRingKeyFile, keep, audit, time, actor, client, held, committed);
        try
        {
            return join.Continue(pending);
        }
        catch (Exception ex) when (EtcdRetry.Unanswered(ex))
        {
            throw join.Unanswered(ex);
        }
    }

    private string Continue(JoinInProgress? pending)
    {
        var progress = pending is null ? null : Transactions(pending.JoinId).Progress();
        if (pending is not null && progress is { Stage: JoinStage.Staged })
        {
            // Not resumed: the fleet's administrators may have changed while the join stood still.
            Undo(pending, Transactions(pending.JoinId));
            progress = null;
        }

        if (pending is null || progress is null)
        {
            return Start(pending);
        }

        if (progress.Stage == JoinStage.Records)
        {
            using var store = OpenLocal();
            MoveRecords(Transactions(pending.JoinId), pending, ReadLocal(store, pending.Audit, pending.JoinedAt), progress);
        }

        var aside = SetAside(pending);
        return $"Joined the fleet {Prefix}, finishing the join begun {pending.JoinedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC: "
               + $"{pending.Detail}. {Afterwards(aside)}";
    }

    private string Start(JoinInProgress? earlier)
    {
        JoinPlan plan;
        using (var store = OpenLocal())
        {
            var joinedAt = earlier?.JoinedAt ?? _time.GetUtcNow();
            var local = ReadLocal(store, _audit, joinedAt);
            var etcd = Transactions(earlier?.JoinId ?? NewAuditId(joinedAt));
            try
            {
                plan = Plan(etcd, local, earlier, joinedAt);
            }
            catch (StoreRefusedException) when (earlier is not null)
            {
                // The fleet holds nothing of the earlier attempt (no progress key): it is simply given up.
                FleetJoinMarker.Delete(_dataDirectory);
                throw;
            }

            FleetJoinMarker.Write(_dataDirectory, plan.Join);
            if (!WriteAdministrators(etcd, plan))
            {
                Undo(plan.Join, etcd);
                FleetJoinMarker.Delete(_dataDirectory);
                throw new StoreRefusedException("Another appliance changed the fleet's administrators while this one joined: nothing changed. Run the command again.");
            }

            MoveRecords(etcd, plan.Join, local, plan.AfterCore);
        }

        return $"Joined the fleet {Prefix}: {plan.Join.Detail}. {Afterwards(SetAside(plan.Join))}";
    }

    private string Afterwards(string aside) =>
        $"This appliance's own store is set aside as {DataDirectory.DatabaseFile}{aside}; "
        + $"copy {_keyRingKeyFile} to every other appliance of the fleet, then start NasDash (systemctl start nasdash).";

    // ---- Reading and deciding: nothing is written ----

    private LiteDbStore OpenLocal()
    {
        if (!File.Exists(Path.Combine(_dataDirectory, DataDirectory.DatabaseFile)))
        {
            throw new StoreRefusedException($"The standalone store {Path.Combine(_dataDirectory, DataDirectory.DatabaseFile)} is gone while a join still needs it: put it back, then run the join again.");
        }

        return new LiteDbStore(_dataDirectory, _time, heldLock: _held);
    }

    private Standalone ReadLocal(LiteDbStore store, AuditBound audit, DateTimeOffset joinedAt)
    {
        var keysDirectory = Path.Combine(_dataDirectory, "keys");
        var keys = Directory.Exists(keysDirectory)
            ? Directory.EnumerateFiles(keysDirectory, "*.xml").Order(StringComparer.Ordinal).Select(f => (Path.GetFileNameWithoutExtension(f), XElement.Load(f))).ToList()
            : [];
        return new Standalone(store.All(), store.Get(), store.GetNotificationSettings(), keys, store.AllTokens(), store.AllReports(), store.All(int.MaxValue),
            store.Pending(int.MaxValue), AuditToMove(store, audit, joinedAt), store.Count(new AuditQuery()));
    }

    // What the fleet's retention keeps (AuditRetention): at most MaxEntries, none older than the retention, its age counted
    // from the newest entry when the clock is ahead of it. Older entries stay in the set-aside store.
    private static IReadOnlyList<AuditEvent> AuditToMove(LiteDbStore store, AuditBound audit, DateTimeOffset joinedAt)
    {
        if (store.Query(new AuditQuery(Take: 1)) is not [var newest])
        {
            return [];
        }

        var since = (newest.At < joinedAt ? newest.At : joinedAt) - audit.Retention;
        return store.Query(new AuditQuery(From: since, Take: audit.MaxEntries));
    }

    private FleetSnapshot ReadFleet()
    {
        var accounts = Range(EtcdStore.AccountsPrefix);
        var names = Range(EtcdStore.NamesPrefix, keysOnly: true);
        var keyRing = Range(EtcdStore.KeyRingPrefix);
        return new FleetSnapshot(
            accounts.Header.Revision,
            accounts.Kvs.Select(kv => Deserialize<Account>(kv.Value)).ToList(),
            accounts.Kvs.Concat(names.Kvs).Select(kv => kv.Key.ToStringUtf8()[Prefix.Length..]).ToHashSet(StringComparer.Ordinal),
            keyRing.Kvs.ToDictionary(kv => kv.Key.ToStringUtf8()[(Prefix + EtcdStore.KeyRingPrefix).Length..], kv => kv.Value.ToStringUtf8(), StringComparer.Ordinal));
    }

    private RangeResponse Range(string relativePrefix, bool keysOnly = false) =>
        EtcdRetry.Run(() => _client.Get(new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(Prefix + relativePrefix), RangeEnd = FleetWatch.RangeEnd(Prefix + relativePrefix), KeysOnly = keysOnly,
        }, deadline: DateTime.UtcNow + _fleet.RequestTimeout));

    private JoinPlan Plan(JoinTransactions etcd, Standalone local, JoinInProgress? earlier, DateTimeOffset joinedAt)
    {
        var fleet = ReadFleet();
        if (fleet.Administrators.Count > 0 && _keep == JoinKeep.Neither)
        {
            throw new StoreRefusedException($"The fleet {Prefix} already has {fleet.Administrators.Count} administrator(s) ({NameList(fleet.Administrators)}): nothing changed. "
                + "Pass --keep fleet to join with the fleet's administrators (this appliance's stay in its set-aside store), or --keep local to replace the fleet's with this appliance's.");
        }

        var key = FleetKeyRing.LoadOrCreateKey(_keyRingKeyFile, fleetHasKeys: fleet.KeyRing.Count > 0);
        if (fleet.KeyRing.Values.FirstOrDefault() is { } sample)
        {
            // Fails with "does not open with this appliance's fleet key-ring key" before anything is written.
            _ = FleetKeyDecryptor.Opened(XElement.Parse(sample), key);
        }

        // With --keep fleet this appliance's administrators stay behind, and so does everything that is theirs or
        // speaks of them: their tokens and report links (bound to accounts the fleet does not have), the audit log and the
        // alerts (they name user names that may be other people in the fleet), and the pending notices (routed by alert
        // settings that stay behind too, with report links the fleet could not honour). All of it stays readable in the
        // set-aside store; the join's audit entry says how much.
        var moves = _keep != JoinKeep.Fleet || fleet.Administrators.Count == 0;
        var newKeys = moves ? local.Keys.Where(k => !fleet.KeyRing.ContainsKey(k.Name)).ToList() : [];
        var detail = moves ? MovedDetail(local, fleet, newKeys.Count) : KeptDetail(local, fleet);
        var entry = new AuditEvent
        {
            Id = etcd.JoinId, At = joinedAt, UserName = _actor, ClientAddress = AccountAdministration.ConsoleClient, Event = AuditNames.ConsoleFleetJoin.Id,
            Outcome = "succeeded", Detail = $"{Environment.MachineName} joined: {detail}",
        };
        var core = CoreWrites(etcd, local, fleet, key, newKeys, local.Accounts, entry, moves);
        IReadOnlyList<Account> staged = [];
        if (!JoinTransactions.FitOne(core))
        {
            // An account already in the fleet under the same id (it left the fleet once) is replaced in the core
            // transaction, never ahead of it: an undo deletes what was staged.
            staged = [.. local.Accounts.Where(a => !fleet.Keys.Contains(EtcdStore.AccountKeyOf(a.Id))).OrderBy(a => a.Id)];
            core = CoreWrites(etcd, local, fleet, key, newKeys, local.Accounts.Except(staged), entry, moves);
            RefuseBeyondOneTransaction(core, local, fleet);
        }

        var nonce = earlier?.AuditNonce ?? RandomNumberGenerator.GetInt32(1 << 20);
        var join = new JoinInProgress(Prefix, etcd.JoinId, joinedAt, nonce, _audit, moves, [.. staged.Select(a => a.Id)], detail);
        var afterCore = moves && local.RecordCount > 0 ? JoinProgress.RecordsThrough(0) : JoinProgress.Done;
        return new JoinPlan(join, fleet.Revision, staged, core, afterCore);
    }

    private static void RefuseBeyondOneTransaction(List<RequestOp> core, Standalone local, FleetSnapshot fleet)
    {
        if (!JoinTransactions.FitOne(core))
        {
            throw new StoreRefusedException(
                $"This appliance's {local.Accounts.Count} administrators cannot become visible in the fleet at once: their names, the settings and keys"
                + (fleet.Administrators.Count > 0 ? $" and the removal of the fleet's {fleet.Administrators.Count}" : "")
                + $" need {core.Count + 1} writes, more than one etcd transaction takes ({JoinTransactions.MaxOperations}): remove {core.Count + 1 - JoinTransactions.MaxOperations} of them first. Nothing changed.");
        }
    }

    private List<RequestOp> CoreWrites(JoinTransactions etcd, Standalone local, FleetSnapshot fleet, byte[] key, IReadOnlyList<(string Name, XElement Element)> newKeys,
        IEnumerable<Account> accounts, AuditEvent entry, bool moves)
    {
        if (!moves)
        {
            return [etcd.Put(EtcdStore.AuditKeyOf(entry.Id), Serialize(entry))];
        }

        var written = local.Accounts.SelectMany(a => new[] { EtcdStore.AccountKeyOf(a.Id), EtcdStore.NamesPrefix + a.NormalizedUserName }).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. accounts.Select(a => etcd.Put(EtcdStore.AccountKeyOf(a.Id), Serialize(a))),
            .. local.Accounts.Select(a => etcd.Put(EtcdStore.NamesPrefix + a.NormalizedUserName, ByteString.CopyFromUtf8(a.Id.ToString()))),
            // The fleet's administrators this appliance's replace (--keep local): exactly the keys not written again.
            .. fleet.Keys.Where(k => !written.Contains(k)).Select(etcd.Delete),
            etcd.Put(EtcdStore.SettingsKeyName, Serialize(local.Settings)),
            etcd.Put(EtcdStore.NotificationsKeyName, Serialize(local.Notifications)),
            .. newKeys.Select(k => etcd.Put(EtcdStore.KeyRingPrefix + k.Name, ByteString.CopyFromUtf8(FleetKeyDecryptor.Sealed(k.Element, key).ToString(SaveOptions.DisableFormatting)))),
            etcd.Put(EtcdStore.AuditKeyOf(entry.Id), Serialize(entry)),
        ];
    }

    // In a fixed order, so that a join run again cuts the same batches: tokens and report links first (a script's token
    // works again soonest), then alerts, notices and the history. Each keeps its id; audit entries get fleet ids.
    private List<RequestOp> RecordWrites(JoinTransactions etcd, Standalone local, int auditNonce) =>
    [
        .. local.Tokens.OrderBy(t => t.Id).Select(t => etcd.Put(EtcdStore.TokenKeyOf(t.Id), Serialize(t))),
        .. local.Reports.OrderBy(r => r.TokenHash, StringComparer.Ordinal).Select(r => etcd.Put(EtcdStore.ReportKeyOf(r.TokenHash), Serialize(r))),
        .. local.Alerts.OrderBy(a => a.Id).Select(a => etcd.Put(EtcdStore.AlertKeyOf(a.Id), Serialize(a))),
        .. local.PendingNotices.OrderBy(n => n.Id).Select(n => etcd.Put(EtcdStore.NoticeKeyOf(n.Id), Serialize(n))),
        .. local.Audit.Select(e => InFleet(e, auditNonce)).OrderBy(e => e.Id).Select(e => etcd.Put(EtcdStore.AuditKeyOf(e.Id), Serialize(e))),
    ];

    // ---- Writing ----

    /// <summary>The staged administrators, then the core transaction; false when the fleet's administrators changed meanwhile.</summary>
    private bool WriteAdministrators(JoinTransactions etcd, JoinPlan plan)
    {
        var revision = plan.FleetRevision;
        JoinProgress? progress = null;
        var staged = 0;
        foreach (var batch in JoinTransactions.Batches(plan.Staged.Select(a => etcd.Put(EtcdStore.AccountKeyOf(a.Id), Serialize(a)))))
        {
            var next = JoinProgress.StagedThrough(staged + batch.Count);
            if (etcd.Commit(batch, progress, next, etcd.AccountsUnchangedSince(revision)) is not { } committedAt)
            {
                return false;
            }

            (revision, progress, staged) = (committedAt, next, staged + batch.Count);
        }

        return etcd.Commit(plan.Core, progress, plan.AfterCore, etcd.AccountsUnchangedSince(revision)) is not null;
    }

    private void MoveRecords(JoinTransactions etcd, JoinInProgress join, Standalone local, JoinProgress progress)
    {
        if (progress.Stage != JoinStage.Records)
        {
            return;
        }

        var records = join.MovesRecords ? RecordWrites(etcd, local, join.AuditNonce) : [];
        var batches = JoinTransactions.Batches(records.Skip(progress.Count)).ToList();
        if (batches.Count == 0)
        {
            batches.Add([]);
        }

        var moved = progress.Count;
        foreach (var batch in batches)
        {
            var next = moved + batch.Count >= records.Count ? JoinProgress.Done : JoinProgress.RecordsThrough(moved + batch.Count);
            if (etcd.Commit(batch, JoinProgress.RecordsThrough(moved), next) is null)
            {
                throw new StoreRefusedException($"The fleet's record of this join changed while it ran (is another 'fleet join' running?): run the command again to finish it.");
            }

            moved += batch.Count;
        }
    }

    /// <summary>Deletes the administrators a join staged, and its progress key last; run again, it deletes what is left.</summary>
    private static void Undo(JoinInProgress join, JoinTransactions etcd)
    {
        if (etcd.Progress() is not { Stage: JoinStage.Staged } progress)
        {
            return;
        }

        var batches = JoinTransactions.Batches(join.Staged.Select(id => etcd.Delete(EtcdStore.AccountKeyOf(id)))).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            var last = i == batches.Count - 1;
            if (etcd.Commit(batches[i], progress, last ? null : progress) is null)
            {
                throw new StoreRefusedException("The fleet's record of this join changed while it was undone (is another 'fleet join' running?): run the command again.");
            }
        }
    }

    /// <summary>The standalone store renamed aside (what is already renamed stays so), then the marker removed: the last step.</summary>
    private string SetAside(JoinInProgress join)
    {
        var aside = ".before-fleet-" + join.JoinedAt.ToUniversalTime().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        foreach (var name in new[] { DataDirectory.DatabaseFile, "nasdash-log.db", "keys" })
        {
            var path = Path.Combine(_dataDirectory, name);
            if (Directory.Exists(path))
            {
                Directory.Move(path, path + aside);
            }
            else if (File.Exists(path))
            {
                File.Move(path, path + aside);
            }
        }

        FleetMembership.ClearLeft(_dataDirectory);
        DirectorySync.Sync(_dataDirectory);
        FleetJoinMarker.Delete(_dataDirectory);
        return aside;
    }

    private StoreRefusedException Unanswered(Exception ex)
    {
        var midway = File.Exists(FleetJoinMarker.PathIn(_dataDirectory));
        if (EtcdPermissions.Refusal(ex, _fleet, "read or write") is { } refused)
        {
            return new StoreRefusedException(midway
                ? $"The join did not finish ({refused}): run 'nasdash console fleet join' again to finish it. Until then this appliance's store stays where it is and NasDash does not start."
                : $"{refused}. Nothing changed.", ex);
        }

        // A member that answers but refuses the request (a transaction over a lowered --max-txn-ops or --max-request-bytes).
        var why = ex is RpcException { StatusCode: StatusCode.InvalidArgument } refusal ? $"the fleet refused a write: {refusal.Status.Detail}" : $"the fleet did not answer: {new FleetReachability(_fleet).Describe()}";
        return midway
            ? new StoreRefusedException($"The join did not finish ({why}): run 'nasdash console fleet join' again to finish it. "
                + "Until then this appliance's store stays where it is and NasDash does not start.", ex)
            : new StoreRefusedException($"The fleet cannot be reached ({why}): nothing changed.", ex);
    }

    // ---- Words and ids ----

    private static string MovedDetail(Standalone local, FleetSnapshot fleet, int keys)
    {
        var audit = local.Audit.Count < local.AuditTotal ? $" ({local.AuditTotal - local.Audit.Count} older audit entries, beyond what the fleet keeps, stay behind)" : "";
        return $"{local.Accounts.Count} administrator(s) ({NameList(local.Accounts)}), the settings, {keys} key(s), {local.Tokens.Count} API token(s), "
               + $"{local.Alerts.Count} alert(s), {local.PendingNotices.Count} pending notice(s) and {local.Audit.Count} audit entries moved in{audit}"
               + (fleet.Administrators.Count > 0 ? $", replacing the fleet's {fleet.Administrators.Count} administrator(s)" : "");
    }

    private static string KeptDetail(Standalone local, FleetSnapshot fleet) =>
        $"kept the fleet's {fleet.Administrators.Count} administrator(s); this appliance's {local.Accounts.Count} administrator(s) with their {local.Tokens.Count} API token(s), "
        + $"its {local.AuditTotal} audit entries, {local.Alerts.Count} alert(s) and {local.PendingNotices.Count} pending notice(s) stay in its set-aside store";

    private static string NameList(IReadOnlyList<Account> accounts) =>
        string.Join(", ", accounts.Take(NamesShown).Select(a => a.UserName)) + (accounts.Count > NamesShown ? $" and {accounts.Count - NamesShown} more" : "");

    // The fleet's ids are the time in milliseconds, then 20 bits (EtcdStore.NextAuditId). A moved entry keeps its time
    // and, for the 20 bits, its local id offset by the join's random nonce: its order, the same id when run again, and no
    // collision with another appliance's moved entries.
    private static AuditEvent InFleet(AuditEvent entry, int nonce) => new()
    {
        Id = (entry.At.ToUnixTimeMilliseconds() << 20) + ((entry.Id + nonce) & 0xFFFFF),
        At = entry.At, UserName = entry.UserName, ClientAddress = entry.ClientAddress, Event = entry.Event, Outcome = entry.Outcome, Detail = entry.Detail,
    };

    private static long NewAuditId(DateTimeOffset at) => (at.ToUnixTimeMilliseconds() << 20) + RandomNumberGenerator.GetInt32(1 << 20);

    private JoinTransactions Transactions(long joinId) => new(_client, _fleet, joinId, _committed);

    private ByteString Serialize<T>(T value) => ByteString.CopyFrom(BsonSerializer.Serialize(_mapper.ToDocument(value)));

    private T Deserialize<T>(ByteString bytes) => _mapper.ToObject<T>(BsonSerializer.Deserialize(bytes.ToByteArray()));

    private sealed record Standalone(
        IReadOnlyList<Account> Accounts,
        ApplianceSettings Settings,
        NotificationSettings Notifications,
        IReadOnlyList<(string Name, XElement Element)> Keys,
        IReadOnlyList<ApiToken> Tokens,
        IReadOnlyList<NotMeReport> Reports,
        IReadOnlyList<Alert> Alerts,
        IReadOnlyList<OutboxNotice> PendingNotices,
        IReadOnlyList<AuditEvent> Audit,
        int AuditTotal)
    {
        /// <summary>What moves after the core transaction.</summary>
        public int RecordCount => Tokens.Count + Reports.Count + Alerts.Count + PendingNotices.Count + Audit.Count;
    }

    /// <param name="Keys">Every key under accounts/ and names/, relative to the prefix.</param>
    /// <param name="KeyRing">The key ring's elements by name, as stored (sealed).</param>
    private sealed record FleetSnapshot(long Revision, IReadOnlyList<Account> Administrators, IReadOnlySet<string> Keys, IReadOnlyDictionary<string, string> KeyRing);

    private sealed record JoinPlan(JoinInProgress Join, long FleetRevision, IReadOnlyList<Account> Staged, IReadOnlyList<RequestOp> Core, JoinProgress AfterCore);
}
