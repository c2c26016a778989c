using System.Globalization;

namespace NasDash.Features.Ssh;

/// <summary>One process as /proc shows it.</summary>
/// <param name="Title">The command line with NULs as spaces; sshd rewrites it to e.g. "sshd: alice@pts/0".</param>
/// <param name="AuditSession">The kernel audit session pam_loginuid gives a login; inherited by everything it starts, even
/// across setsid and double forks. <see cref="ProcessTable.NoAuditSession"/> when unset.</param>
public sealed record ProcessEntry(int Pid, int ParentPid, int SessionId, char State, ulong StartTime, string Title, uint AuditSession)
{
    public bool IsGone => State is 'Z' or 'X';
}

/// <summary>A TCP socket from /proc/net/tcp{,6}.</summary>
public readonly record struct TcpSocket(int LocalPort, bool Listening);

/// <summary>Reads processes and sockets from /proc (the root is configurable so tests can use an empty one).</summary>
public sealed class ProcessTable(string root)
{
    public const string DefaultRoot = "/proc";
    public const uint NoAuditSession = uint.MaxValue;
    private const string TcpListen = "0A";

    public string Root { get; } = root;

    public IReadOnlyList<ProcessEntry> Snapshot()
    {
        var entries = new List<ProcessEntry>();
        if (!Directory.Exists(Root))
        {
            return entries;
        }

        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Find(pid) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>The process, or null when it does not exist (or vanished while being read).</summary>
    public ProcessEntry? Find(int pid)
    {
        var dir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
        var stat = ReadText(Path.Combine(dir, "stat"));
        if (stat is null || ParseStat(stat) is not { } parsed)
        {
            return null;
        }

        var title = ReadText(Path.Combine(dir, "cmdline"))?.Replace('\0', ' ').TrimEnd() ?? "";
        var audit = uint.TryParse(ReadText(Path.Combine(dir, "sessionid")), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : NoAuditSession;
        return new ProcessEntry(pid, parsed.ParentPid, parsed.SessionId, parsed.State, parsed.StartTime, title, audit);
    }

    public ulong? StartTime(int pid) =>
        ReadText(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "stat")) is { } stat && ParseStat(stat) is { } parsed
            ? parsed.StartTime
            : null;

    /// <summary>Inodes of the sockets the process holds open (needs the right to read its fd table).</summary>
    public IReadOnlyList<long> SocketInodes(int pid)
    {
        var inodes = new List<long>();
        var fdDir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "fd");
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries(fdDir))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && target.EndsWith(']') &&
                    long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                {
                    inodes.Add(inode);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended, or its fd table is not ours to read.
        }

        return inodes;
    }

    /// <summary>TCP sockets by inode, as seen from the network namespace of process <paramref name="pid"/>.</summary>
    public IReadOnlyDictionary<long, TcpSocket> TcpSockets(int pid)
    {
        var sockets = new Dictionary<long, TcpSocket>();
        foreach (var file in new[] { "tcp", "tcp6" })
        {
            // The listener's own view first (it may live in another network namespace), else ours if it is gone.
            var text = ReadText(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "net", file)) ??
                       ReadText(Path.Combine(Root, "net", file));
            if (text is null)
            {
                continue;
            }

            foreach (var line in text.Split('\n').Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10)
                {
                    continue;
                }

                var colon = fields[1].LastIndexOf(':');
                if (colon < 0 ||
                    !int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port) ||
                    !long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode) || inode == 0)
                {
                    continue;
                }

                sockets[inode] = new TcpSocket(port, fields[3] == TcpListen);
            }
        }

        return sockets;
    }

    /// <summary>Parses /proc/&lt;pid&gt;/stat; the command name in parentheses may itself hold spaces and parentheses.</summary>
    internal static (char State, int ParentPid, int SessionId, ulong StartTime)? ParseStat(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }

        // After the name: state(3) ppid(4) pgrp(5) session(6) ... starttime(22).
        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 20 || fields[0].Length != 1 ||
            !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid) ||
            !int.TryParse(fields[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sid) ||
            !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return (fields[0][0], ppid, sid, start);
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
