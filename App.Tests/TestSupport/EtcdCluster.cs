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
public sealed class EtcdCluster : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Member[] _members;
    private readonly string _etcd;

    public EtcdCluster(int members = 3)
    {
        _etcd = DebianPrograms.Require("etcd", "etcd-server");
        var token = "nasdash-test-" + Guid.NewGuid().ToString("N")[..8];
        _members = Enumerable.Range(1, members).Select(i => new Member($"m{i}", Features.Notifications.SmtpTestServer.FreePort(), Features.Notifications.SmtpTestServer.FreePort(), _directory.Combine($"m{i}"))).ToArray();
        var initial = string.Join(',', _members.Select(m => $"{m.Name}=http://127.0.0.1:{m.PeerPort}"));
        foreach (var member in _members)
        {
            member.Arguments =
            [
                "--name", member.Name, "--data-dir", member.DataDirectory,
                "--listen-client-urls", member.ClientUrl, "--advertise-client-urls", member.ClientUrl,
                "--listen-peer-urls", $"http://127.0.0.1:{member.PeerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{member.PeerPort}",
                "--initial-cluster", initial, "--initial-cluster-token", token, "--initial-cluster-state", "new",
                "--heartbeat-interval", "100", "--election-timeout", "1000", "--log-level", "warn",
            ];
            Start(member);
        }

        WaitUntilWritable(TimeSpan.FromSeconds(30));
    }

    /// <summary>Every member's client URL, comma-separated, as NasDash:Fleet:Etcd:Endpoints takes them.</summary>
    public string Endpoints => string.Join(',', _members.Select(m => m.ClientUrl));

    /// <summary>Fleet options on this cluster under a prefix of the test's own.</summary>
    public EtcdFleetOptions Options(string? prefix = null) =>
        new() { Endpoints = Endpoints, Prefix = prefix ?? $"/nasdash-test-{Guid.NewGuid():N}/", RequestTimeout = TimeSpan.FromSeconds(5) };

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

    private sealed class Member(string name, int clientPort, int peerPort, string dataDirectory)
    {
        public string Name { get; } = name;
        public int PeerPort { get; } = peerPort;
        public string DataDirectory { get; } = dataDirectory;
        public string ClientUrl { get; } = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{clientPort}");
        public string[] Arguments { get; set; } = [];
        public Process? Process { get; set; }
    }
}
