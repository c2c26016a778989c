using System.Text.Json;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>
/// &lt;data&gt;/fleet-left: written by `nasdash console fleet leave` as its last step. While it exists the appliance is
/// standalone whatever NasDash:Fleet:Etcd says, wherever that is set (appsettings, /etc/nasdash, environment, the unit):
/// the console cannot rewrite all of those reliably, and one file in the data directory is one atomic switch.
/// `fleet join` removes it.
/// </summary>
public static class FleetMembership
{
    public const string LeftMarkerFile = "fleet-left";

    public static string LeftMarker(string dataDirectory) => Path.Combine(dataDirectory, LeftMarkerFile);

    public static bool HasLeft(string dataDirectory) => File.Exists(LeftMarker(dataDirectory));

    /// <summary>The fleet this appliance left, as the marker records it.</summary>
    public static LeftFleet? Left(string dataDirectory)
    {
        try
        {
            return HasLeft(dataDirectory) ? JsonSerializer.Deserialize<LeftFleet>(File.ReadAllText(LeftMarker(dataDirectory))) : null;
        }
        catch (JsonException)
        {
            return new LeftFleet("?", "?", DateTimeOffset.MinValue, 0);
        }
    }

    internal static void MarkLeft(string dataDirectory, LeftFleet left) =>
        AtomicFile.Write(LeftMarker(dataDirectory), JsonSerializer.Serialize(left) + "\n", AtomicFile.OwnerReadWrite);

    internal static void ClearLeft(string dataDirectory) => AtomicFile.Delete(LeftMarker(dataDirectory));

    /// <summary>The data directory's lock for `fleet leave` or `fleet join`, or the refusal that a server (or a console command) has it.</summary>
    internal static DataDirectoryLock HoldToSwitch(string dataDirectory, string verb)
    {
        try
        {
            return DataDirectoryLock.Take(dataDirectory);
        }
        catch (StoreLockedException ex)
        {
            throw new StoreRefusedException($"A NasDash server (running or starting) or another console command is using {dataDirectory}: stop the server first (systemctl stop nasdash), then run 'fleet {verb}' again. Nothing changed.", ex);
        }
    }
}

public sealed record LeftFleet(string Prefix, string Endpoints, DateTimeOffset LeftAt, long CopyRevision);
