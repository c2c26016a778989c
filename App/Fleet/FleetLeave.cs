using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using LiteDB;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>
/// `nasdash console fleet leave`: this appliance becomes standalone again from its local copy alone, so it works when no
/// member of the fleet answers. The accounts (every factor, counter and state as the fleet last had them), the settings
/// and the key ring are written to a new LiteDB store and keys directory beside the data directory, moved into place,
/// and only then is &lt;data&gt;/fleet-left written: until that last atomic step the appliance is what it was.
/// </summary>
public static class FleetLeave
{
    public static string Run(string dataDirectory, EtcdFleetOptions fleet, string keyRingKeyFile, TimeProvider time, string actor)
    {
        // Held until fleet-left is written: a server that starts meanwhile is refused (it takes the same lock at start-up),
        // and the one after it finds the marker and starts standalone.
        using var held = FleetMembership.HoldToSwitch(dataDirectory, "leave");
        if (FleetMembership.HasLeft(dataDirectory))
        {
            throw new StoreRefusedException($"This appliance already left its fleet ({FleetMembership.LeftMarker(dataDirectory)}): it is standalone.");
        }

        if (!File.Exists(FleetCopy.PathIn(dataDirectory)))
        {
            throw new StoreRefusedException($"No local copy of the fleet in {dataDirectory} ({FleetCopy.FileName}): this appliance's server never followed the fleet, so there is nothing to stand alone with. Nothing changed.");
        }

        var key = KeyRingKey(keyRingKeyFile);
        LocalCopy local;
        try
        {
            using var copy = FleetCopy.Open(dataDirectory, key);
            local = LocalCopy.From(copy, key);
        }
        catch (FleetCopyBusyException ex)
        {
            throw new StoreRefusedException("A NasDash server (or another console command) holds the local fleet copy: stop the server first (systemctl stop nasdash), then leave. Nothing changed.", ex);
        }

        if (local.Accounts.Count == 0)
        {
            throw new StoreRefusedException("The local copy of the fleet holds no administrator: leaving would strand this appliance. Nothing changed.");
        }

        var now = time.GetUtcNow();
        var staging = Path.Combine(dataDirectory, $".fleet-leave-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}");
        try
        {
            using (var store = new LiteDbStore(staging, time))
            {
                store.InTransaction(() =>
                {
                    foreach (var account in local.Accounts)
                    {
                        if (!store.TryInsert(account))
                        {
                            throw new StoreRefusedException($"The local copy holds two administrators named {account.UserName}. Nothing changed.");
                        }
                    }

                    store.Save(local.Settings);
                    var audit = new AuditEvent
                    {
                        At = now, UserName = actor, ClientAddress = AccountAdministration.ConsoleClient, Event = AuditNames.ConsoleFleetLeave.Id,
                        Outcome = "succeeded",
                        Detail = $"standalone again from the local copy of fleet {local.Prefix} at revision {local.Revision}: {local.Accounts.Count} administrator(s), {local.Keys.Count} key(s)",
                    };
                    if (local.Notifications is { } notifications)
                    {
                        store.SaveNotificationSettings(notifications, audit);
                    }
                    else
                    {
                        store.Append(audit);
                    }
                });
            }

            var keys = Path.Combine(staging, "keys");
            DataDirectory.Ensure(keys);
            foreach (var (name, element) in local.Keys)
            {
                DataDirectory.WritePrivateFile(Path.Combine(keys, name + ".xml"), element.ToString(SaveOptions.DisableFormatting));
            }

            var aside = ".before-leave-" + now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            foreach (var name in new[] { DataDirectory.DatabaseFile, "nasdash-log.db", "keys" })
            {
                MoveAside(Path.Combine(dataDirectory, name), aside);
            }

            foreach (var name in new[] { DataDirectory.DatabaseFile, "nasdash-log.db", "keys", StoreOpening.SetupMarkerFile })
            {
                var from = Path.Combine(staging, name);
                if (Directory.Exists(from))
                {
                    Directory.Move(from, Path.Combine(dataDirectory, name));
                }
                else if (File.Exists(from))
                {
                    File.Move(from, Path.Combine(dataDirectory, name), overwrite: true);
                }
            }

            DirectorySync.Sync(dataDirectory);
            FleetMembership.MarkLeft(dataDirectory, new LeftFleet(local.Prefix, fleet.Endpoints ?? "", now, local.Revision));
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return $"This appliance is standalone again: {local.Accounts.Count} administrator(s) ({string.Join(", ", local.Accounts.Select(a => a.UserName))}), "
               + $"the settings and {local.Keys.Count} Data Protection key(s) restored from the local copy of fleet {local.Prefix} (revision {local.Revision}"
               + (local.CopiedAt is { } at ? $", copied {at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC" : "") + "). "
               + $"NasDash:Fleet:Etcd is ignored while {FleetMembership.LeftMarker(dataDirectory)} exists; remove it from the configuration, then start NasDash (systemctl start nasdash).";
    }

    internal static byte[] KeyRingKey(string keyRingKeyFile)
    {
        if (!File.Exists(keyRingKeyFile))
        {
            throw new StoreRefusedException($"{keyRingKeyFile} is missing: without the fleet's key-ring key the local copy cannot be opened. Nothing changed.");
        }

        var key = File.ReadAllBytes(keyRingKeyFile);
        return key.Length == 32 ? key : throw new StoreRefusedException($"{keyRingKeyFile} is not a fleet key-ring key (32 bytes). Nothing changed.");
    }

    private static void MoveAside(string path, string suffix)
    {
        if (Directory.Exists(path))
        {
            Directory.Move(path, path + suffix);
        }
        else if (File.Exists(path))
        {
            File.Move(path, path + suffix);
        }
    }

    /// <summary>The copy's records as the records they are.</summary>
    private sealed record LocalCopy(
        string Prefix,
        long Revision,
        DateTimeOffset? CopiedAt,
        IReadOnlyList<Account> Accounts,
        ApplianceSettings Settings,
        NotificationSettings? Notifications,
        IReadOnlyList<(string Name, XElement Element)> Keys)
    {
        public static LocalCopy From(FleetCopy copy, byte[] key)
        {
            var mapper = LiteDbStore.CreateMapper();
            var records = copy.Records();
            T Read<T>(byte[] value) => mapper.ToObject<T>(BsonSerializer.Deserialize(value));
            return new LocalCopy(
                copy.Prefix ?? "?",
                copy.Revision,
                copy.UpdatedAt,
                [.. records.Where(r => r.Key.StartsWith(EtcdStore.AccountsPrefix, StringComparison.Ordinal)).Select(r => Read<Account>(r.Value))],
                records.TryGetValue(EtcdStore.SettingsKeyName, out var settings) ? Read<ApplianceSettings>(settings) : new ApplianceSettings(),
                records.TryGetValue(EtcdStore.NotificationsKeyName, out var notifications) ? Read<NotificationSettings>(notifications) : null,
                [.. records.Where(r => r.Key.StartsWith(EtcdStore.KeyRingPrefix, StringComparison.Ordinal))
                    .Select(r => (r.Key[EtcdStore.KeyRingPrefix.Length..], FleetKeyDecryptor.Opened(XElement.Parse(Encoding.UTF8.GetString(r.Value)), key)))]);
        }
    }
}
