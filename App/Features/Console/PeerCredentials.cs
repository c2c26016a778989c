using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;

namespace NasDash.Features.Console;

/// <summary>The process at the other end of a Unix domain socket (Linux SO_PEERCRED).</summary>
public sealed record PeerCredentials(int ProcessId, uint UserId)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>Null where the platform cannot tell (not Linux).</summary>
    public static PeerCredentials? Of(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> ucred = stackalloc byte[12];
        return socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) == ucred.Length
            ? new PeerCredentials(BinaryPrimitives.ReadInt32LittleEndian(ucred), BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]))
            : null;
    }

    /// <summary>This process's effective user id, from /proc (no native call needed); null where there is no /proc.</summary>
    public static uint? CurrentUserId()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/status"))
        {
            return null;
        }

        // "Uid:\treal\teffective\tsaved\tfilesystem"
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        var fields = line?.Split('\t', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: > 2 } && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
    }

    /// <summary>Root, or the account the server runs as: the same people who can read the data directory.</summary>
    public bool MayAdminister(uint? serverUserId) => UserId == 0 || serverUserId is null || UserId == serverUserId;
}
