using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NasDash.Benchmarks;

/// <summary>
/// A 3-member etcd cluster of Debian's etcd on loopback ports, each member with its data directory on the benchmark's
/// disk (etcd fsyncs its Raft log there, as on an appliance): the fleet the "etcd" rows decide on.
/// </summary>
internal sealed class BenchmarkEtcd : IDisposable
{
    private readonly List<Process> _members = [];

    public BenchmarkEtcd(string directory)
    {
        var ports = Enumerable.Range(0, 3).Select(_ => (Client: FreePort(), Peer: FreePort())).ToList();
        var cluster = string.Join(',', ports.Select((p, i) => $"b{i}=http://127.0.0.1:{p.Peer}"));
        Endpoints = string.Join(',', ports.Select(p => $"http://127.0.0.1:{p.Client}"));
        for (var i = 0; i < ports.Count; i++)
        {
            var start = new ProcessStartInfo("/usr/bin/etcd") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                "--name", $"b{i}", "--data-dir", Path.Combine(directory, $"etcd-{i}"),
                "--listen-client-urls", $"http://127.0.0.1:{ports[i].Client}", "--advertise-client-urls", $"http://127.0.0.1:{ports[i].Client}",
                "--listen-peer-urls", $"http://127.0.0.1:{ports[i].Peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{ports[i].Peer}",
                "--initial-cluster", cluster, "--initial-cluster-state", "new", "--log-level", "error",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var member = Process.Start(start) ?? throw new InvalidOperationException("etcd did not start (apt-get install etcd-server).");
            member.OutputDataReceived += (_, _) => { };
            member.ErrorDataReceived += (_, _) => { };
            member.BeginOutputReadLine();
            member.BeginErrorReadLine();
            _members.Add(member);
        }
    }

    public string Endpoints { get; }

    /// <summary>Waits until the cluster has elected a leader and commits a write.</summary>
    public void WaitUntilWritable()
    {
        using var client = Fleet.EtcdConnection.Open(new Fleet.EtcdFleetOptions { Endpoints = Endpoints });
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                client.Put("/nasdash-bench/probe", "1", deadline: DateTime.UtcNow.AddSeconds(2));
                return;
            }
            catch (Grpc.Core.RpcException) when (attempt < 50)
            {
                Thread.Sleep(200);
            }
        }
    }

    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Kill();
            member.WaitForExit();
            member.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
