using System.Diagnostics;

namespace NasDash.Features.Ssh;

/// <summary>The running sshd listener: its pid and the TCP ports it accepts connections on.</summary>
public sealed record SshListener(int Pid, IReadOnlySet<int> Ports, IReadOnlySet<long> ListeningSockets);

/// <summary>What ending the SSH sessions did.</summary>
/// <param name="Sessions">Connections found (one per sshd connection process tree).</param>
/// <param name="Processes">Processes signalled, the sessions' commands included.</param>
/// <param name="Survivors">Processes still running after SIGKILL (e.g. not ours to signal).</param>
public sealed record SshSessionSweep(int Sessions, int Processes, IReadOnlyList<int> Survivors)
{
    public bool Complete => Survivors.Count == 0;
}

/// <summary>
/// Finds every SSH connection of one sshd and ends it with everything it started. Killing only the
/// "sshd: user@…" process leaves the user's command running (re-parented to PID 1), and connections
/// outlive a restart of the listener, so a session is found by its connection socket, not by being the
/// listener's child; its processes are its descendants, everything in the login sessions (setsid) they
/// lead, and everything in its kernel audit session (pam_loginuid), which even a daemonized command keeps.
/// </summary>
public sealed class SshSessions(ProcessTable processes)
{
    /// <summary>Titles of sshd's per-connection processes (OpenSSH 9.8 split them into sshd-session and sshd-auth).</summary>
    private static readonly string[] ConnectionTitles = ["sshd: ", "sshd-session: ", "sshd-auth: "];
    private static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);
    private const int KillRounds = 3;

    /// <summary>Ends every connection of <paramref name="listener"/>: SIGTERM, then SIGKILL for what remains.</summary>
    public SshSessionSweep EndAll(SshListener listener)
    {
        var snapshot = processes.Snapshot();
        var connections = Connections(snapshot, listener);
        if (connections.Count == 0)
        {
            return new SshSessionSweep(0, 0, []);
        }

        var marks = new SessionMarks(Protected(snapshot, listener, processes.SocketInodes));
        marks.Add(snapshot, connections);
        var targets = marks.Members(snapshot);
        var signalled = new HashSet<(int, ulong)>(targets.Select(p => (p.Pid, p.StartTime)));
        Send(targets, Posix.SigTerm);
        WaitUntilGone(targets, TermGrace);

        for (var round = 0; round < KillRounds; round++)
        {
            snapshot = processes.Snapshot();
            // A connection the old configuration accepted just before the reload may have appeared meanwhile.
            marks.Add(snapshot, Connections(snapshot, listener));
            var remaining = marks.Members(snapshot);
            if (remaining.Count == 0)
            {
                break;
            }

            signalled.UnionWith(remaining.Select(p => (p.Pid, p.StartTime)));
            Send(remaining, Posix.SigKill);
            WaitUntilGone(remaining, KillWait);
        }

        var survivors = marks.Members(processes.Snapshot()).Select(p => p.Pid).ToList();
        return new SshSessionSweep(marks.Connections, signalled.Count, survivors);
    }

    /// <summary>The sshd connection processes of this listener (not the listener itself, nor another sshd's).</summary>
    internal static IReadOnlyList<ProcessEntry> FindConnections(
        IReadOnlyList<ProcessEntry> snapshot,
        SshListener listener,
        IReadOnlyDictionary<long, TcpSocket> sockets,
        Func<int, IReadOnlyList<long>> socketsOf)
    {
        var found = new List<ProcessEntry>();
        foreach (var process in snapshot)
        {
            if (process.Pid == listener.Pid || process.IsGone || !IsConnectionTitle(process.Title))
            {
                continue;
            }

            var held = socketsOf(process.Pid);
            // Holding the listening socket makes it the listener (or a connection still being forked, found next scan).
            var ofThisSshd = !held.Any(listener.ListeningSockets.Contains) && held.Any(inode =>
                sockets.TryGetValue(inode, out var socket) && !socket.Listening && listener.Ports.Contains(socket.LocalPort));
            if (ofThisSshd)
            {
                found.Add(process);
            }
        }

        return found;
    }

    /// <summary>A first sieve only: any process may set its own title, so a title never spares a process.</summary>
    internal static bool IsConnectionTitle(string title) =>
        ConnectionTitles.Any(prefix => title.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>
    /// Processes never signalled: init, NasDash itself and what it runs under, and the listener told apart by what it
    /// is, not by its title: the PID file's process and any process holding one of its listening sockets (a child it is
    /// forking). A process that only calls itself "sshd: [listener] …" is ended with the session it belongs to.
    /// </summary>
    internal static HashSet<int> Protected(IReadOnlyList<ProcessEntry> snapshot, SshListener listener, Func<int, IReadOnlyList<long>> socketsOf)
    {
        var byPid = snapshot.ToDictionary(p => p.Pid);
        var kept = new HashSet<int> { 0, 1, listener.Pid };
        for (var pid = Environment.ProcessId; pid > 1 && kept.Add(pid);)
        {
            pid = byPid.TryGetValue(pid, out var entry) ? entry.ParentPid : 0;
        }

        kept.UnionWith(snapshot.Where(p => !p.IsGone && socketsOf(p.Pid).Any(listener.ListeningSockets.Contains)).Select(p => p.Pid));
        return kept;
    }

    private IReadOnlyList<ProcessEntry> Connections(IReadOnlyList<ProcessEntry> snapshot, SshListener listener) =>
        FindConnections(snapshot, listener, processes.TcpSockets(listener.Pid), processes.SocketInodes);

    private void Send(IReadOnlyList<ProcessEntry> targets, int signal)
    {
        foreach (var process in targets)
        {
            Posix.Signal(process.Pid, process.StartTime, signal, processes.StartTime);
        }
    }

    // Real processes run on the real clock, whatever TimeProvider the app was given.
    private void WaitUntilGone(IReadOnlyList<ProcessEntry> targets, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (targets.Any(IsAlive) && waited.Elapsed < limit)
        {
            Thread.Sleep(Poll);
        }
    }

    private bool IsAlive(ProcessEntry process) =>
        processes.Find(process.Pid) is { } now && now.StartTime == process.StartTime && !now.IsGone;

    /// <summary>What identifies the processes of the connections found, so later scans find what they started meanwhile.</summary>
    internal sealed class SessionMarks(HashSet<int> kept)
    {
        private readonly HashSet<(int Pid, ulong Start)> _roots = [];
        // Session id → start time of its leader: a session id is a pid, and may name a new session once the old one is gone.
        private readonly Dictionary<int, ulong> _sessionIds = [];
        private readonly HashSet<uint> _auditSessions = [];
        private readonly HashSet<int> _connectionSessions = [];

        /// <summary>Connections found: sshd's privileged monitor and its unprivileged child share one login session.</summary>
        public int Connections => _connectionSessions.Count;

        public void Add(IReadOnlyList<ProcessEntry> snapshot, IReadOnlyList<ProcessEntry> connections)
        {
            foreach (var connection in connections.Where(c => !kept.Contains(c.Pid)))
            {
                _roots.Add((connection.Pid, connection.StartTime));
                _connectionSessions.Add(connection.SessionId);
            }

            var keptEntries = snapshot.Where(p => kept.Contains(p.Pid)).ToList();
            var foreignSessions = keptEntries.Select(p => p.SessionId).Append(0).ToHashSet();
            var foreignAudit = keptEntries.Select(p => p.AuditSession).Append(ProcessTable.NoAuditSession).ToHashSet();

            // Grow until stable: a session leader found in the tree adds its session, whose members add theirs.
            int before;
            do
            {
                before = _sessionIds.Count + _auditSessions.Count;
                foreach (var member in Members(snapshot))
                {
                    if (member.SessionId == member.Pid && !foreignSessions.Contains(member.SessionId))
                    {
                        _sessionIds.TryAdd(member.SessionId, member.StartTime);
                    }

                    if (!foreignAudit.Contains(member.AuditSession))
                    {
                        _auditSessions.Add(member.AuditSession);
                    }
                }
            }
            while (_sessionIds.Count + _auditSessions.Count != before);
        }

        /// <summary>The live processes of the marked sessions: roots, their sessions and audit sessions, and all descendants.</summary>
        public IReadOnlyList<ProcessEntry> Members(IReadOnlyList<ProcessEntry> snapshot)
        {
            var byPid = snapshot.ToDictionary(p => p.Pid);
            bool OurSession(int sessionId) =>
                _sessionIds.TryGetValue(sessionId, out var leaderStart) &&
                !(byPid.TryGetValue(sessionId, out var leader) && leader.StartTime != leaderStart);

            var members = new Dictionary<int, ProcessEntry>();
            foreach (var process in snapshot)
            {
                if (!process.IsGone && !kept.Contains(process.Pid) &&
                    (_roots.Contains((process.Pid, process.StartTime)) || OurSession(process.SessionId) ||
                     _auditSessions.Contains(process.AuditSession)))
                {
                    members[process.Pid] = process;
                }
            }

            var children = snapshot.Where(p => !p.IsGone && !kept.Contains(p.Pid)).ToLookup(p => p.ParentPid);
            var queue = new Queue<int>(members.Keys);
            while (queue.TryDequeue(out var pid))
            {
                foreach (var child in children[pid])
                {
                    if (members.TryAdd(child.Pid, child))
                    {
                        queue.Enqueue(child.Pid);
                    }
                }
            }

            return members.Values.ToList();
        }
    }
}
