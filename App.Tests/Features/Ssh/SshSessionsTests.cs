using NasDash.Features.Ssh;

namespace NasDash.Tests.Features.Ssh;

/// <summary>Which processes belong to the SSH sessions of one sshd, decided on a made-up process table.</summary>
public class SshSessionsTests
{
    private const int Port = 2222;
    private const uint NoAudit = ProcessTable.NoAuditSession;
    private static readonly SshListener Listener = new(100, new HashSet<int> { Port }, new HashSet<long> { 1 });

    // Inode → socket: 1 our listener, 2 and 3 our connections, 4 another sshd's connection on port 22.
    private static readonly Dictionary<long, TcpSocket> Sockets = new()
    {
        [1] = new TcpSocket(Port, Listening: true),
        [2] = new TcpSocket(Port, Listening: false),
        [3] = new TcpSocket(Port, Listening: false),
        [4] = new TcpSocket(22, Listening: false),
    };

    private static readonly Dictionary<int, long[]> SocketsOf = new()
    {
        [100] = [1],
        [200] = [2], // sshd: alice [priv]
        [201] = [2], // sshd: alice@notty
        [300] = [3], // sshd: root@pts/0 after a listener restart (parent 1)
        [900] = [4], // another sshd's session
    };

    private static readonly ProcessEntry[] Table =
    [
        P(1, 0, 0, "/sbin/init"),
        P(100, 1, 100, "sshd: /usr/sbin/sshd -D -f /etc/ssh/sshd_config [listener] 0 of 10-100 startups"),
        P(200, 100, 200, "sshd: alice [priv]", audit: 7),
        P(201, 200, 200, "sshd: alice@notty", audit: 7),
        P(202, 201, 202, "bash -c sleep 1 & sleep 2", audit: 7),
        P(203, 202, 202, "sleep 2", audit: 7),
        P(204, 1, 202, "sleep 1", audit: 7),          // re-parented, still in the shell's session
        P(205, 1, 205, "tmux new -d", audit: 7),      // double-forked and setsid: only the audit session leads back
        P(300, 1, 300, "sshd: root@pts/0"),           // survived a listener restart, no audit session
        P(301, 300, 301, "-bash"),
        P(302, 1, 301, "sleep 3"),
        P(800, 1, 800, "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"),
        P(900, 800, 900, "sshd: bob@pts/1", audit: 9),
        P(901, 900, 901, "-bash", audit: 9),
        P(950, 1, 950, "sshd-lookalike: not a connection"),
        P(960, 1, 960, "vim notes.txt"),
    ];

    [Fact]
    public void FindConnections_ConnectionsOfThisSshdOnly()
    {
        var found = SshSessions.FindConnections(Table, Listener, Sockets, pid => SocketsOf.GetValueOrDefault(pid, []));

        Assert.Equal([200, 201, 300], found.Select(p => p.Pid).Order());
    }

    [Fact]
    public void Members_WholeTreeOfEachSession_EvenReparentedAndDaemonized()
    {
        var connections = Table.Where(p => p.Pid is 200 or 201 or 300).ToList();

        var members = Marks(Table, connections, [0, 1, 100, 800]).Members(Table);

        Assert.Equal([200, 201, 202, 203, 204, 205, 300, 301, 302], members.Select(p => p.Pid).Order());
    }

    [Fact]
    public void Members_SessionNasDashRunsIn_Spared()
    {
        // NasDash started by hand from an SSH session (202) protects itself and its ancestors, hence that whole session.
        var connections = Table.Where(p => p.Pid is 200 or 201 or 300).ToList();

        var members = Marks(Table, connections, [0, 1, 100, 200, 201, 202]).Members(Table);

        Assert.Equal([300, 301, 302], members.Select(p => p.Pid).Order());
    }

    [Fact]
    public void Members_AuditSessionOfTheListener_NotFollowed()
    {
        // A listener started from an administrator's login shares that login's audit session with pre-auth children.
        var table = new[]
        {
            P(100, 1, 100, "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", audit: 5),
            P(200, 100, 200, "sshd: [accepted]", audit: 5),
            P(50, 1, 50, "-bash (the administrator's shell)", audit: 5),
        };

        var members = Marks(table, [table[1]], [0, 1, 100]).Members(table);

        Assert.Equal([200], members.Select(p => p.Pid));
    }

    [Fact]
    public void Members_ZombiesAndReusedPids_Ignored()
    {
        // Later, pid 200 leads a new session of its own (the old session 200 is gone) and 201 is a zombie.
        var connection = P(200, 100, 200, "sshd: alice@notty");
        var later = new[] { connection with { StartTime = 999 }, P(201, 200, 201, "sleep 1") with { State = 'Z' } };

        var members = Marks([connection], [connection], [0, 1, 100]).Members(later);

        Assert.Empty(members);
    }

    [Theory]
    [InlineData("sshd: alice@pts/0", true)]
    [InlineData("sshd: alice@notty", true)]
    [InlineData("sshd: alice [priv]", true)]
    [InlineData("sshd: [accepted]", true)]
    [InlineData("sshd-session: alice@pts/0", true)]
    [InlineData("sshd-auth: alice [preauth]", true)]
    [InlineData("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", true)]
    [InlineData("/usr/sbin/sshd -D", false)]
    [InlineData("ssh alice@host", false)]
    public void IsConnectionTitle_SshdPerConnectionTitles(string title, bool expected) =>
        Assert.Equal(expected, SshSessions.IsConnectionTitle(title));

    [Fact]
    public void Protected_ThePidFilesListenerAndWhatHoldsItsListeningSocket_ButNotAProcessMerelyTitledListener()
    {
        var impostor = P(206, 202, 202, "sshd: [listener] 0 of 10-100 startups", audit: 7);
        var forking = P(207, 100, 207, "sshd: /usr/sbin/sshd -D -f /etc/ssh/sshd_config [listener] 0 of 10-100 startups");
        var table = Table.Append(impostor).Append(forking).ToList();
        var socketsOf = new Dictionary<int, long[]>(SocketsOf) { [207] = [1, 3] };

        var kept = SshSessions.Protected(table, Listener, pid => socketsOf.GetValueOrDefault(pid, []));
        var members = Marks(table, table.Where(p => p.Pid is 200 or 201).ToList(), kept).Members(table);

        Assert.Contains(100, kept);
        Assert.Contains(207, kept);
        Assert.DoesNotContain(206, kept);
        Assert.Contains(members, p => p.Pid == 206);
    }

    [Fact]
    public void FindConnections_ProcessTitledListenerHoldingAConnection_IsAConnection()
    {
        var impostor = P(206, 1, 206, "sshd: [listener] 0 of 10-100 startups");
        var socketsOf = new Dictionary<int, long[]>(SocketsOf) { [206] = [3] };

        var found = SshSessions.FindConnections(Table.Append(impostor).ToList(), Listener, Sockets, pid => socketsOf.GetValueOrDefault(pid, []));

        Assert.Contains(found, p => p.Pid == 206);
    }

    [Fact]
    public void Add_ConnectionFoundInALaterScan_JoinsTheSweep()
    {
        var marks = Marks(Table, Table.Where(p => p.Pid is 200 or 201).ToList(), [0, 1, 100, 800]);
        var late = P(400, 100, 400, "sshd: [accepted]");
        var later = Table.Append(late).Append(P(401, 400, 400, "sshd: alice [net]")).ToList();

        marks.Add(later, [late]);

        Assert.Contains(marks.Members(later), p => p.Pid == 401);
        Assert.Equal(2, marks.Connections);
    }

    private static SshSessions.SessionMarks Marks(IReadOnlyList<ProcessEntry> snapshot, IReadOnlyList<ProcessEntry> connections, HashSet<int> kept)
    {
        var marks = new SshSessions.SessionMarks(kept);
        marks.Add(snapshot, connections);
        return marks;
    }

    private static ProcessEntry P(int pid, int parent, int session, string title, uint audit = NoAudit) =>
        new(pid, parent, session, 'S', (ulong)pid * 10, title, audit);
}
