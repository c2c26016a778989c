using System.Text.Json;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>
/// &lt;data&gt;/fleet-joining: written by `nasdash console fleet join` before its first write to the fleet and removed by
/// its last step, once the standalone store is set aside. While it exists the records are partly in the fleet and partly
/// only here, so neither the server nor a console verb opens a store (the fleet's or this one): the only way on is to run
/// `fleet join` again, which reads what it holds and finishes (or, if the fleet refused, undoes) that same join.
/// </summary>
public static class FleetJoinMarker
{
    public const string FileName = "fleet-joining";

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>The join this appliance has under way, or null.</summary>
    public static JoinInProgress? Read(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<JoinInProgress>(File.ReadAllText(path))
                   ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new StoreRefusedException($"{path} records a fleet join under way but cannot be read ({ex.Message}). Nothing changed.", ex);
        }
    }

    /// <summary>Refuses to open a store while a join is under way (the composition root calls it before either store opens).</summary>
    public static void RefuseWhileJoining(string dataDirectory)
    {
        if (File.Exists(PathIn(dataDirectory)))
        {
            throw new StoreRefusedException(
                $"A fleet join of this appliance did not finish ({PathIn(dataDirectory)}): run 'nasdash console fleet join' again to finish it. NasDash does not start on half-moved records.");
        }
    }

    internal static void Write(string dataDirectory, JoinInProgress join) =>
        AtomicFile.Write(PathIn(dataDirectory), JsonSerializer.Serialize(join) + "\n", AtomicFile.OwnerReadWrite);

    internal static void Delete(string dataDirectory) => AtomicFile.Delete(PathIn(dataDirectory));
}

/// <summary>
/// What a join decided before its first write, so that running it again writes the same keys with the same values:
/// the id of its audit entry (which also names its progress key in the fleet), its time, the random part of the moved
/// audit entries' ids, how much audit it moves, whether this appliance's records move at all, the administrators
/// written ahead of the transaction that makes them visible (see <see cref="FleetJoin"/>), and what it said it moves.
/// </summary>
public sealed record JoinInProgress(
    string Prefix,
    long JoinId,
    DateTimeOffset JoinedAt,
    int AuditNonce,
    AuditBound Audit,
    bool MovesRecords,
    IReadOnlyList<Guid> Staged,
    string Detail);

/// <summary>What the fleet keeps of an audit log (NasDash:Audit:MaxEntries and :RetentionDays as the retention applies them).</summary>
public sealed record AuditBound(int MaxEntries, TimeSpan Retention);
