using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
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
/// `nasdash console fleet join`: a standalone appliance's administrators, settings and Data Protection keys move into the
/// fleet NasDash:Fleet:Etcd names, in one etcd transaction that fails if the fleet's administrators changed since they
/// were read. Then the appliance's own store is set aside (renamed, never deleted) and the next start is in the fleet.
/// </summary>
public static class FleetJoin
{
    // etcd refuses a Txn of more than 128 operations (--max-txn-ops).
    private const int MaxOperations = 120;

    public static string Run(string dataDirectory, EtcdFleetOptions fleet, string keyRingKeyFile, JoinKeep keep, TimeProvider time, string actor)
    {
        if (!fleet.IsConfigured)
        {
            throw new StoreRefusedException("NasDash:Fleet:Etcd:Endpoints is not set: put the fleet's settings in the configuration (/etc/nasdash/appsettings.json) first, then join. Nothing changed.");
        }

        if (!File.Exists(Path.Combine(dataDirectory, DataDirectory.DatabaseFile)))
        {
            throw new StoreRefusedException($"{dataDirectory} holds no standalone store ({DataDirectory.DatabaseFile}): nothing to move into the fleet. Nothing changed.");
        }

        // Held until the store is set aside: a server that starts meanwhile is refused rather than run on the store being moved.
        using var held = FleetMembership.HoldToSwitch(dataDirectory, "join");
        var local = ReadLocal(dataDirectory, held, time);
        using var client = EtcdConnection.Open(fleet);
        var prefix = fleet.KeyPrefix;
        RangeResponse accounts, names, keyring;
        try
        {
            accounts = client.Get(new RangeRequest { Key = Bytes(prefix + EtcdStore.AccountsPrefix), RangeEnd = FleetWatch.RangeEnd(prefix + EtcdStore.AccountsPrefix) }, deadline: Deadline(fleet));
            names = client.Get(new RangeRequest { Key = Bytes(prefix + EtcdStore.NamesPrefix), RangeEnd = FleetWatch.RangeEnd(prefix + EtcdStore.NamesPrefix), KeysOnly = true }, deadline: Deadline(fleet));
            keyring = client.Get(new RangeRequest { Key = Bytes(prefix + EtcdStore.KeyRingPrefix), RangeEnd = FleetWatch.RangeEnd(prefix + EtcdStore.KeyRingPrefix) }, deadline: Deadline(fleet));
        }
        catch (RpcException ex)
        {
            throw new StoreRefusedException(EtcdPermissions.Refusal(ex, fleet, "read") is { } refused
                ? $"{refused}. Nothing changed."
                : $"The fleet cannot be reached ({new FleetReachability(fleet).Describe()}): nothing changed.", ex);
        }

        var mapper = LiteDbStore.CreateMapper();
        var fleetAdministrators = accounts.Kvs.Select(kv => mapper.ToObject<Account>(BsonSerializer.Deserialize(kv.Value.ToByteArray()))).ToList();
        if (fleetAdministrators.Count > 0 && keep == JoinKeep.Neither)
        {
            throw new StoreRefusedException($"The fleet {prefix} already has {fleetAdministrators.Count} administrator(s) ({string.Join(", ", fleetAdministrators.Select(a => a.UserName))}): nothing changed. "
                + "Pass --keep fleet to join with the fleet's administrators (this appliance's stay in its set-aside store), or --keep local to replace the fleet's with this appliance's.");
        }

        var key = FleetKeyRing.LoadOrCreateKey(keyRingKeyFile, fleetHasKeys: keyring.Kvs.Count > 0);
        if (keyring.Kvs.FirstOrDefault() is { } sample)
        {
            // Fails with "does not open with this appliance's fleet key-ring key" before anything is written.
            _ = FleetKeyDecryptor.Opened(XElement.Parse(sample.Value.ToStringUtf8()), key);
        }

        var now = time.GetUtcNow();
        var request = new TxnRequest();
        // Nothing under accounts/ written since it was read: a fleet that gained an administrator meanwhile is not overwritten.
        request.Compare.Add(new Compare
        {
            Key = Bytes(prefix + EtcdStore.AccountsPrefix), RangeEnd = FleetWatch.RangeEnd(prefix + EtcdStore.AccountsPrefix),
            Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Less, ModRevision = accounts.Header.Revision + 1,
        });
        var moved = keep != JoinKeep.Fleet || fleetAdministrators.Count == 0;
        if (moved)
        {
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var account in local.Accounts)
            {
                Put(request, written, prefix + EtcdStore.AccountKeyOf(account.Id), Serialize(mapper, account));
                Put(request, written, prefix + EtcdStore.NamesPrefix + account.NormalizedUserName, Bytes(account.Id.ToString()));
            }

            // The fleet's administrators this appliance's replace (--keep local): exactly the keys not written again.
            foreach (var stale in accounts.Kvs.Concat(names.Kvs).Select(kv => kv.Key.ToStringUtf8()).Where(k => !written.Contains(k)))
            {
                request.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(stale) } });
            }

            Put(request, written, prefix + EtcdStore.SettingsKeyName, Serialize(mapper, local.Settings));
            Put(request, written, prefix + EtcdStore.NotificationsKeyName, Serialize(mapper, local.Notifications));
            var present = keyring.Kvs.Select(kv => kv.Key.ToStringUtf8()).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, element) in local.Keys.Where(k => !present.Contains(prefix + EtcdStore.KeyRingPrefix + k.Name)))
            {
                Put(request, written, prefix + EtcdStore.KeyRingPrefix + name, Bytes(FleetKeyDecryptor.Sealed(element, key).ToString(SaveOptions.DisableFormatting)));
            }
        }

        var detail = moved
            ? $"{local.Accounts.Count} administrator(s) ({string.Join(", ", local.Accounts.Select(a => a.UserName))}), the settings and {local.Keys.Count} key(s) moved in"
              + (fleetAdministrators.Count > 0 ? $", replacing the fleet's {fleetAdministrators.Count}" : "")
            : $"kept the fleet's {fleetAdministrators.Count} administrator(s); this appliance's {local.Accounts.Count} set aside";
        var auditId = (now.ToUnixTimeMilliseconds() << 20) + RandomNumberGenerator.GetInt32(1 << 20);
        var audit = new AuditEvent
        {
            Id = auditId, At = now, UserName = actor, ClientAddress = AccountAdministration.ConsoleClient, Event = AuditNames.ConsoleFleetJoin.Id,
            Outcome = "succeeded", Detail = $"{Environment.MachineName} joined: {detail}",
        };
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes(prefix + EtcdStore.AuditKeyOf(auditId)), Value = Serialize(mapper, audit) } });
        if (request.Success.Count > MaxOperations)
        {
            throw new StoreRefusedException($"This appliance's records need {request.Success.Count} writes, more than one etcd transaction takes ({MaxOperations}). Nothing changed.");
        }

        TxnResponse response;
        try
        {
            response = client.Transaction(request, deadline: Deadline(fleet));
        }
        catch (RpcException ex)
        {
            throw new StoreRefusedException(EtcdPermissions.Refusal(ex, fleet, "write") is { } refused
                ? $"{refused}. Nothing changed."
                : $"The fleet did not take the join ({new FleetReachability(fleet).Describe()}): nothing changed in it, nor here.", ex);
        }

        if (!response.Succeeded)
        {
            throw new StoreRefusedException("Another appliance changed the fleet's administrators while this one joined: nothing changed. Run the command again.");
        }

        // The fleet has the records now: set this appliance's store aside (renamed, not deleted) so nothing starts on it.
        var aside = ".before-fleet-" + now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        foreach (var name in new[] { DataDirectory.DatabaseFile, "nasdash-log.db", "keys" })
        {
            var path = Path.Combine(dataDirectory, name);
            if (Directory.Exists(path))
            {
                Directory.Move(path, path + aside);
            }
            else if (File.Exists(path))
            {
                File.Move(path, path + aside);
            }
        }

        FleetMembership.ClearLeft(dataDirectory);
        DirectorySync.Sync(dataDirectory);
        return $"Joined the fleet {prefix}: {detail}. This appliance's own store is set aside as {DataDirectory.DatabaseFile}{aside}; "
               + $"copy {keyRingKeyFile} to every other appliance of the fleet, then start NasDash (systemctl start nasdash).";
    }

    private static Standalone ReadLocal(string dataDirectory, DataDirectoryLock held, TimeProvider time)
    {
        using var store = new LiteDbStore(dataDirectory, time, heldLock: held);
        var keysDirectory = Path.Combine(dataDirectory, "keys");
        var keys = Directory.Exists(keysDirectory)
            ? Directory.EnumerateFiles(keysDirectory, "*.xml").Order(StringComparer.Ordinal).Select(f => (Path.GetFileNameWithoutExtension(f), XElement.Load(f))).ToList()
            : [];
        return new Standalone(store.All(), store.Get(), store.GetNotificationSettings(), keys);
    }

    private static void Put(TxnRequest request, HashSet<string> written, string key, ByteString value)
    {
        written.Add(key);
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes(key), Value = value } });
    }

    private static ByteString Serialize<T>(BsonMapper mapper, T value) => ByteString.CopyFrom(BsonSerializer.Serialize(mapper.ToDocument(value)));

    private static ByteString Bytes(string text) => ByteString.CopyFrom(Encoding.UTF8.GetBytes(text));

    private static DateTime Deadline(EtcdFleetOptions fleet) => DateTime.UtcNow + fleet.RequestTimeout;

    private sealed record Standalone(IReadOnlyList<Account> Accounts, ApplianceSettings Settings, NotificationSettings Notifications,
        IReadOnlyList<(string Name, XElement Element)> Keys);
}
