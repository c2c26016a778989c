using System.Diagnostics;
using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core;
using NasDash.Fleet;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// A real etcd cluster of <paramref name="members"/> members on loopback ports, each a process of Debian's etcd with its
/// own data directory under a temp directory; killed and deleted on dispose. etcd missing skips the test on a developer
/// machine and fails it in CI (CI=true), where .ci/run installs etcd-server.
/// </summary>
/// <param name="tls">
/// Members that speak only TLS, as a fleet across a network runs them: client and peer URLs https, each side required to
/// present a certificate of the cluster's own authority (etcd's --client-cert-auth and --peer-client-cert-auth).
/// </param>
/// <param name="user">etcd's own authentication on (a root user with this name and a password, see <see cref="Password"/>); needs nothing else.</param>
public sealed class EtcdCluster : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Member[] _members;
    private readonly string _etcd;

    /// <param name="extraArguments">More flags for every member (e.g. a short --auth-token-ttl).</param>
    public EtcdCluster(int members = 3, bool tls = false, string? user = null, IReadOnlyList<string>? extraArguments = null)
    {
        _etcd = DebianPrograms.Require("etcd", "etcd-server");
        Tls = tls ? EtcdTestCertificates.Write(_directory.Combine("pki")) : null;
        var scheme = tls ? "https" : "http";
        var token = "nasdash-test-" + Guid.NewGuid().ToString("N")[..8];
        _members = Enumerable.Range(1, members).Select(i => new Member($"m{i}", scheme, Features.Notifications.SmtpTestServer.FreePort(), Features.Notifications.SmtpTestServer.FreePort(), _directory.Combine($"m{i}"))).ToArray();
        var initial = string.Join(',', _members.Select(m => $"{m.Name}={m.PeerUrl}"));
        foreach (var member in _members)
        {
            member.Arguments =
            [
                "--name", member.Name, "--data-dir", member.DataDirectory,
                "--listen-client-urls", member.ClientUrl, "--advertise-client-urls", member.ClientUrl,
                "--listen-peer-urls", member.PeerUrl, "--initial-advertise-peer-urls", member.PeerUrl,
                "--initial-cluster", initial, "--initial-cluster-token", token, "--initial-cluster-state", "new",
                "--heartbeat-interval", "100", "--election-timeout", "1000", "--log-level", "warn",
                .. Tls is { } files
                    ?
                    [
                        "--cert-file", files.MemberCertificate, "--key-file", files.MemberKey,
                        "--client-cert-auth", "--trusted-ca-file", files.Authority,
                        "--peer-cert-file", files.MemberCertificate, "--peer-key-file", files.MemberKey,
                        "--peer-client-cert-auth", "--peer-trusted-ca-file", files.Authority,
                    ]
                    : Array.Empty<string>(),
                .. extraArguments ?? [],
            ];
            Start(member);
        }

        WaitUntilWritable(TimeSpan.FromSeconds(30));
        if (user is not null)
        {
            EnableAuthentication(user);
        }
    }

    /// <summary>The PEM files of a TLS cluster (null without TLS).</summary>
    public EtcdTestCertificates? Tls { get; }

    /// <summary>The root user etcd's authentication was turned on with, or null.</summary>
    public string? User { get; private set; }

    /// <summary>The password of <see cref="User"/>.</summary>
    public string Password { get; } = "etcd-" + Guid.NewGuid().ToString("N");

    /// <summary>Every member's client URL, comma-separated, as NasDash:Fleet:Etcd:Endpoints takes them.</summary>
    public string Endpoints => string.Join(',', _members.Select(m => m.ClientUrl));

    /// <summary>
    /// Fleet options on this cluster under a prefix of the test's own, as NasDash:Fleet:Etcd:* would give them.
    /// On a TLS cluster the options carry its authority and the client certificate; with authentication on, the user.
    /// </summary>
    public EtcdFleetOptions Options(string? prefix = null) =>
        new()
        {
            Endpoints = Endpoints, Prefix = prefix ?? $"/nasdash-test-{Guid.NewGuid():N}/", RequestTimeout = TimeSpan.FromSeconds(5),
            CaCertificate = Tls?.Authority, ClientCertificate = Tls?.ClientCertificate, ClientKey = Tls?.ClientKey,
            User = User, Password = User is null ? null : Password,
        };

    /// <summary>
    /// Turns etcd's own authentication on: a root user with <see cref="Password"/>, as `etcdctl user add root` then
    /// `etcdctl auth enable` do. From then on every request needs the user (or, on a TLS cluster, a certificate whose
    /// common name is a user).
    /// </summary>
    private void EnableAuthentication(string user)
    {
        using var client = EtcdConnection.Open(Options());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        client.UserAdd(new AuthUserAddRequest { Name = user, Password = Password }, deadline: deadline);
        client.UserGrantRole(new AuthUserGrantRoleRequest { User = user, Role = "root" }, deadline: deadline);
        client.AuthEnable(new AuthEnableRequest(), deadline: deadline);
        User = user;
        WaitUntilWritable(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Authentication was turned on from outside (etcdctl, as the README does it) with root user <paramref name="user"/>
    /// and <see cref="Password"/>: from now on the cluster's own requests (and <see cref="Options"/>) carry that user.
    /// </summary>
    public void AuthenticatedAs(string user)
    {
        User = user;
        WaitUntilWritable(TimeSpan.FromSeconds(30));
    }

    /// <summary>Ends member <paramref name="index"/> with SIGKILL, as a power cut would.</summary>
    public void Kill(int index)
    {
        var process = _members[index].Process;
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>Starts a killed member again on its data directory; it rejoins the cluster.</summary>
    public void Restart(int index)
    {
        _members[index].Arguments = [.. _members[index].Arguments.Select(a => a == "new" ? "existing" : a)];
        Start(_members[index]);
    }

    public void WaitUntilWritable(TimeSpan timeout)
    {
        using var client = EtcdConnection.Open(Options());
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                client.Put(new PutRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("/probe"), Value = Google.Protobuf.ByteString.CopyFromUtf8("1") },
                    deadline: DateTime.UtcNow.AddSeconds(2));
                return;
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException && deadline.Elapsed < timeout)
            {
                // While no leader is elected a put fails, or the client gives up on it (cancelled at its deadline).
                Thread.Sleep(100);
            }
        }
    }

    public void Dispose()
    {
        for (var i = 0; i < _members.Length; i++)
        {
            Kill(i);
            _members[i].Process?.Dispose();
        }

        _directory.Dispose();
    }

    private void Start(Member member)
    {
        var start = new ProcessStartInfo(_etcd) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in member.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        member.Process?.Dispose();
        member.Process = Process.Start(start)!;
        member.Process.OutputDataReceived += (_, _) => { };
        member.Process.ErrorDataReceived += (_, _) => { };
        member.Process.BeginOutputReadLine();
        member.Process.BeginErrorReadLine();
    }

    private sealed class Member(string name, string scheme, int clientPort, int peerPort, string dataDirectory)
    {
        public string Name { get; } = name;
        public string DataDirectory { get; } = dataDirectory;
        public string ClientUrl { get; } = string.Create(CultureInfo.InvariantCulture, $"{scheme}://127.0.0.1:{clientPort}");
        public string PeerUrl { get; } = string.Create(CultureInfo.InvariantCulture, $"{scheme}://127.0.0.1:{peerPort}");
        public string[] Arguments { get; set; } = [];
        public Process? Process { get; set; }
    }
}
