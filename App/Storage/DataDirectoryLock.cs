namespace NasDash.Storage;

/// <summary>
/// The exclusive lock on &lt;data&gt;/nasdash.lock. A server holds it for its whole run, on its own store or on the fleet's;
/// so do a console command that opens the store, and `fleet leave` and `fleet join`, which switch the appliance between
/// the two. Whoever comes second is refused at once: two writers on one LiteDB file lose writes (LiteDB #2163), and a
/// server that starts while the appliance leaves or joins its fleet would run on the store being replaced.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    // How .NET reports a flock held by another process: errno EWOULDBLOCK, or Windows' sharing violation.
    private const int EWouldBlock = 11;
    private const int SharingViolation = unchecked((int)0x80070020);

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <exception cref="StoreLockedException">Another process (or another holder in this one) has it.</exception>
    /// <exception cref="StoreRefusedException">The data directory cannot be created or written.</exception>
    public static DataDirectoryLock Take(string dataDirectory) => StoreOpening.Writable(dataDirectory, () =>
    {
        DataDirectory.Ensure(dataDirectory);
        return TakeFile(Path.Combine(dataDirectory, DataDirectory.LockFile), ex => new StoreLockedException(dataDirectory, ex));
    });

    /// <summary>An exclusive lock on another file of the data directory (the fleet copy's); <paramref name="held"/> says who has it.</summary>
    internal static DataDirectoryLock TakeFile(string path, Func<IOException, Exception> held)
    {
        try
        {
            // FileShare.None takes an exclusive flock on Linux, so a second process cannot take it.
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            return new DataDirectoryLock(new FileStream(path, options));
        }
        catch (IOException ex) when (ex.HResult is EWouldBlock or SharingViolation)
        {
            throw held(ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
