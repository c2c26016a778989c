using System.Diagnostics;
using System.Globalization;
using NasDash.Storage;
using NasDash.Hosting;

namespace NasDash.Features.Ssh;

/// <summary>Finding the running sshd through its PID file.</summary>
public abstract record ListenerLookup
{
    private ListenerLookup()
    {
    }

    public sealed record Running(SshListener Listener) : ListenerLookup;

    /// <summary>No sshd to reload; <see cref="Reason"/> says why, for the alert and the page.</summary>
    public sealed record NotRunning(string Reason) : ListenerLookup;
}

/// <summary>
/// The OpenSSH daemon as NasDash drives it: one drop-in file it owns (nasdash.conf, refusing every login while
/// present) and a reload by SIGHUP to the process named in sshd's PID file.
/// </summary>
public sealed class SshDaemon(SshOptions options, ProcessTable processes, TimeProvider time)
{
    public const string DropInFileName = "nasdash.conf";
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    public string DropInPath => Path.Combine(options.DropInDirectory, DropInFileName);

    public string PidFile => options.PidFile;

    public bool DropInPresent => File.Exists(DropInPath);

    /// <summary>The drop-in that refuses every SSH login; DenyUsers is cumulative in sshd_config, so no later file can undo it.</summary>
    public static string DenyAllDropIn(DateTimeOffset at) =>
        $"""
        # Written by NasDash at {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC after a lockout event.
        # Every SSH login is refused until an administrator re-enables SSH in NasDash (/services/ssh)
        # or runs `nasdash console ssh-enable` on the appliance. Do not edit; NasDash owns this file.
        DenyUsers *

        """;

    /// <summary>Writes the deny-all drop-in; null when done, otherwise why not.</summary>
    public string? WriteDenyAll()
    {
        if (!Directory.Exists(options.DropInDirectory))
        {
            return $"the sshd drop-in directory {options.DropInDirectory} does not exist";
        }

        try
        {
            AtomicFile.Write(DropInPath, DenyAllDropIn(time.GetUtcNow()), AtomicFile.WorldReadable);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot write {DropInPath}: {ex.Message}";
        }
    }

    /// <summary>Removes the drop-in if present; null when done, otherwise why not.</summary>
    public string? RemoveDenyAll()
    {
        try
        {
            AtomicFile.Delete(DropInPath);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot remove {DropInPath}: {ex.Message}";
        }
    }

    public ListenerLookup FindListener()
    {
        string text;
        try
        {
            text = File.ReadAllText(options.PidFile);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new ListenerLookup.NotRunning($"the sshd PID file {options.PidFile} does not exist (is sshd running?)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ListenerLookup.NotRunning($"cannot read the sshd PID file {options.PidFile}: {ex.Message}");
        }

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 1)
        {
            return new ListenerLookup.NotRunning($"the sshd PID file {options.PidFile} does not hold a process id");
        }

        var process = processes.Find(pid);
        if (process is null || process.IsGone)
        {
            return new ListenerLookup.NotRunning($"sshd is not running (the PID file {options.PidFile} names process {pid}, which does not exist)");
        }

        if (!LooksLikeSshd(process.Title))
        {
            return new ListenerLookup.NotRunning($"process {pid} named by {options.PidFile} is not sshd (a stale PID file?)");
        }

        var listening = ListeningSockets(pid);
        if (listening.Count == 0)
        {
            return new ListenerLookup.NotRunning($"sshd (process {pid}) shows NasDash no listening TCP socket (NasDash must run as root to control SSH)");
        }

        return new ListenerLookup.Running(new SshListener(pid, listening.Values.ToHashSet(), listening.Keys.ToHashSet()));
    }

    /// <summary>
    /// SIGHUP makes sshd re-execute itself and read its configuration again. Done once the same process listens on
    /// new sockets; null when done, otherwise why not. A broken configuration makes sshd exit, which is reported.
    /// </summary>
    public string? Reload(SshListener listener)
    {
        var process = processes.Find(listener.Pid);
        if (process is null || process.IsGone)
        {
            return $"sshd (process {listener.Pid}) ended before it could be reloaded";
        }

        switch (Posix.Signal(listener.Pid, process.StartTime, Posix.SigHup, processes.StartTime))
        {
            case Posix.SignalResult.Gone:
                return $"sshd (process {listener.Pid}) ended before it could be reloaded";
            case Posix.SignalResult.PermissionDenied:
                return $"not permitted to signal sshd (process {listener.Pid}); NasDash needs to run as root to control SSH";
        }

        // sshd restarts on the real clock, whatever TimeProvider the app was given.
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < ReloadTimeout)
        {
            Thread.Sleep(Poll);
            var now = processes.Find(listener.Pid);
            if (now is null || now.IsGone)
            {
                return $"sshd (process {listener.Pid}) exited after the reload; check its configuration with 'sshd -t'";
            }

            var listening = ListeningSockets(listener.Pid);
            if (listening.Count > 0 && !listening.Keys.Any(listener.ListeningSockets.Contains))
            {
                return null;
            }
        }

        return $"sshd (process {listener.Pid}) did not finish reloading within {ReloadTimeout.TotalSeconds:0} s";
    }

    /// <summary>"sshd: /usr/sbin/sshd -D [listener] …" as OpenSSH titles it, or a plain "/usr/sbin/sshd -D".</summary>
    internal static bool LooksLikeSshd(string title)
    {
        var first = title.Split(' ', 2)[0];
        return first == "sshd:" || Path.GetFileName(first) == "sshd";
    }

    private Dictionary<long, int> ListeningSockets(int pid)
    {
        var table = processes.TcpSockets(pid);
        var listening = new Dictionary<long, int>();
        foreach (var inode in processes.SocketInodes(pid))
        {
            if (table.TryGetValue(inode, out var socket) && socket.Listening)
            {
                listening[inode] = socket.LocalPort;
            }
        }

        return listening;
    }
}
