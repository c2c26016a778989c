using System.Text.Json;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Sessions;

/// <summary>
/// Keeps <see cref="SessionActivity"/> across a restart in `&lt;data&gt;/session-activity.json` (mode 0600): read before the
/// server answers, saved once a minute when something changed and when the server stops. After a crash a session's last
/// use is at most a minute older than it was, which can only end it sooner, never keep it longer.
/// </summary>
public sealed class SessionActivityFile(SessionActivity activity, NasDashOptions options, TimeProvider time, ILogger<SessionActivityFile> logger)
    : BackgroundService
{
    public const string FileName = "session-activity.json";
    public static readonly TimeSpan SavedAtMostEvery = TimeSpan.FromMinutes(1);

    private readonly Lock _saving = new();
    private long _savedChanges = -1;

    private string Path => System.IO.Path.Combine(options.DataDirectory, FileName);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Load();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Save();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SavedAtMostEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Save();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal void Load()
    {
        try
        {
            if (File.Exists(Path) &&
                JsonSerializer.Deserialize<Dictionary<string, DateTimeOffset>>(File.ReadAllText(Path)) is { } saved)
            {
                activity.Restore(saved);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // Without it every session signs in again; nothing is trusted that was not read whole.
            logger.LogWarning(ex, "Could not read {File}; sessions from before the restart sign in again", Path);
        }
    }

    internal void Save()
    {
        lock (_saving)
        {
            var changes = activity.Changes;
            if (changes == _savedChanges)
            {
                return;
            }

            try
            {
                var next = Path + ".new";
                DataDirectory.WritePrivateFile(next, JsonSerializer.Serialize(activity.Recorded()));
                File.Move(next, Path, overwrite: true);
                _savedChanges = changes;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(ex, "Could not save {File}; a restart now would sign those sessions out", Path);
            }
        }
    }
}
