using LiteDB;

namespace NasDash.Storage;

/// <summary>
/// What is checked before the store is trusted: a store that is empty, unreadable, newer than this build, or not the one
/// the data directory was set up with is refused with one line saying what to do, never opened as a new appliance.
/// </summary>
internal static class StoreOpening
{
    /// <summary>Written beside the store when setup completes, so a lost or emptied store cannot pass for a new appliance.</summary>
    public const string SetupMarkerFile = "setup-done";

    private const string StartAnew = "to start anew as a new appliance";

    public static void RefuseBeforeOpening(string dataDirectory)
    {
        var file = new FileInfo(Path.Combine(dataDirectory, DataDirectory.DatabaseFile));
        var marker = Path.Combine(dataDirectory, SetupMarkerFile);
        if (file.Exists && file.Length == 0)
        {
            throw new StoreRefusedException(
                $"{file.FullName} is empty (0 bytes), as a power cut or a full disk can leave it. Restore it from a backup, or move it aside {StartAnew}.");
        }

        if (!file.Exists && File.Exists(marker))
        {
            throw new StoreRefusedException(
                $"{file.FullName} is missing, but {marker} shows this appliance was set up. Restore the store from a backup, or move {marker} aside {StartAnew}.");
        }
    }

    /// <summary>Runs a step of opening; an I/O error in it refuses the start in one line rather than a stack trace.</summary>
    public static T Writable<T>(string dataDirectory, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && ex is not StoreLockedException and not StoreUnavailableException)
        {
            throw new StoreRefusedException(
                $"The NasDash store in {dataDirectory} cannot be opened for writing ({ex.Message.TrimEnd('.')}). Check that its disk is mounted read-write and has space, and that the service account owns the directory.", ex);
        }
    }

    /// <inheritdoc cref="Writable{T}(string, Func{T})"/>
    public static void Writable(string dataDirectory, Action step) => Writable(dataDirectory, () =>
    {
        step();
        return true;
    });

    public static LiteDatabase Open(string file, BsonMapper mapper, bool readOnly = false)
    {
        var db = new LiteDatabase(new ConnectionString { Filename = file, Connection = ConnectionType.Direct, ReadOnly = readOnly }, mapper);
        try
        {
            // A pragma is a write: set it only when it differs, so a reopen on a full disk does not fail on it.
            if (!readOnly && db.CheckpointSize != 0)
            {
                db.CheckpointSize = 0;
            }

            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Runs the migrations and reads every security document once, refusing what cannot be trusted.</summary>
    public static void Prepare(LiteDatabase db, string dataDirectory, TimeProvider time, int understoodSchema)
    {
        var file = Path.Combine(dataDirectory, DataDirectory.DatabaseFile);
        ApplianceSettings settings;
        try
        {
            if (Migrations.Version(db) is var version && version > understoodSchema)
            {
                throw new StoreRefusedException(
                    $"{file} has schema version {version}; this NasDash understands up to {understoodSchema} and would drop what a newer one stored. Install the newer NasDash again, or restore a backup made by this version.");
            }

            Migrations.Apply(db, time, understoodSchema);
            _ = db.GetCollection<Account>("users").FindAll().Count();
            _ = db.GetCollection<OutboxNotice>("outbox").FindAll().Count();
            _ = db.GetCollection<NotificationSettings>("notifications").FindAll().Count();
            _ = db.GetCollection<Alert>("alerts").FindAll().Count();
            settings = db.GetCollection<ApplianceSettings>("settings").FindById(1) ?? new ApplianceSettings();
        }
        catch (Exception ex) when (ex is LiteException or InvalidCastException or FormatException or ArgumentException or OverflowException
            or InvalidOperationException or IndexOutOfRangeException or NullReferenceException or KeyNotFoundException)
        {
            throw new StoreRefusedException(
                $"{file} cannot be read ({ex.Message.TrimEnd('.')}). Restore it from a backup, or move it and nasdash-log.db aside {StartAnew}.", ex);
        }

        var marker = Path.Combine(dataDirectory, SetupMarkerFile);
        if (!settings.SetupCompleted && File.Exists(marker))
        {
            throw new StoreRefusedException(
                $"{file} holds no completed setup, but {marker} shows this appliance was set up. Restore the store from a backup, or move both aside {StartAnew}.");
        }

        if (settings.SetupCompleted)
        {
            MarkSetupDone(dataDirectory);
        }
    }

    public static void MarkSetupDone(string dataDirectory)
    {
        var marker = Path.Combine(dataDirectory, SetupMarkerFile);
        if (!File.Exists(marker))
        {
            AtomicFile.Write(marker, "NasDash was set up with the store beside this file; it refuses to start without it.\n", AtomicFile.OwnerReadWrite);
        }
    }
}
