using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace NasDash.Features.Console;

/// <summary>
/// Before the console sends anything (a new password, say) to console.sock, it checks the socket is the server's:
/// owned by the owner of the data directory (the account the server runs as, which created it) in a directory
/// that nobody else may write, so no other user can have planted or replaced it.
/// </summary>
internal static class SocketTrust
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int FileTypeMask = 0xF000;
    private const int Socket = 0xC000;
    private const int Directory = 0x4000;
    private const int GroupOrOtherWrite = 0x12;

    /// <summary>Null when the socket may be trusted, otherwise why not. Linux only; elsewhere nothing is checked.</summary>
    public static string? Problem(string socketPath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var directory = Path.GetDirectoryName(socketPath)!;
        if (Stat(directory, followLink: true) is not { } dir || Stat(socketPath, followLink: false) is not { } socket)
        {
            return $"cannot inspect {socketPath}";
        }

        if ((dir.Mode & FileTypeMask) != Directory || (dir.Mode & GroupOrOtherWrite) != 0)
        {
            return $"{directory} may be written by other users than its owner (mode {Convert.ToString(dir.Mode & 0xFFF, 8)}); the console trusts a socket only in a directory its owner alone can write";
        }

        if ((socket.Mode & FileTypeMask) != Socket)
        {
            return $"{socketPath} is not a socket";
        }

        return socket.Uid != dir.Uid
            ? $"{socketPath} belongs to uid {socket.Uid}, not to uid {dir.Uid} that owns the data directory and runs the server"
            : null;
    }

    private sealed record FileStatus(uint Uid, int Mode);

    private static FileStatus? Stat(string path, bool followLink)
    {
        // struct statx: __u32 stx_mask, stx_blksize; __u64 stx_attributes; __u32 stx_nlink, stx_uid, stx_gid; __u16 stx_mode; …
        // (the same layout on every architecture, unlike struct stat).
        var buffer = new byte[256];
        return StatX(AtFdCwd, path, followLink ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) == 0
            ? new FileStatus(BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)), BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28)))
            : null;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int StatX(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
