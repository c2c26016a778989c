using System.Runtime.InteropServices;
using System.Text;

namespace NasDash.Storage;

/// <summary>fsync(2) of a directory, which .NET has no managed form of: it makes a rename in it durable.</summary>
internal static class DirectorySync
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000;
    private const int OCloExec = 0x80000;

    /// <summary>Best effort: a directory that cannot be opened is left as it is.</summary>
    public static void Sync(string directory)
    {
        var fd = Open(Encoding.UTF8.GetBytes(directory + "\0"), ORdOnly | ODirectory | OCloExec);
        if (fd >= 0)
        {
            _ = FSync(fd);
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] nulTerminatedPath, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
