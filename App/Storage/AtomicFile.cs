using System.Security.Cryptography;
using System.Text;

namespace NasDash.Storage;

/// <summary>Replaces a file all at once: readers see the old content or the new, never a torn or half-written one.</summary>
internal static class AtomicFile
{
    public const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode WorldReadable = OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes a temporary file beside the target with its final mode from the start, flushes it, renames it over.</summary>
    public static void Write(string path, string content, UnixFileMode mode) => Write(path, Encoding.UTF8.GetBytes(content), mode);

    /// <inheritdoc cref="Write(string, string, UnixFileMode)"/>
    public static void Write(string path, byte[] content, UnixFileMode mode)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? throw new IOException($"{path} has no directory.");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                // The umask may have narrowed the create mode; set exactly what was asked.
                File.SetUnixFileMode(temporary, mode);
            }

            File.Move(temporary, path, overwrite: true);
            DirectorySync.Sync(directory);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Deletes the file if present and makes the removal durable.</summary>
    public static void Delete(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        File.Delete(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            DirectorySync.Sync(directory);
        }
    }
}
