using System.Collections.Concurrent;
using System.Net;
using Etcdserverpb;
using Google.Protobuf;
using NasDash.Features.Notifications;
using NasDash.Fleet;
using NasDash.Tests.Features.Console;
using NasDash.Tests.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// The sender that claimed a notice dies mid-delivery: a real NasDash server process of the fleet, killed with SIGKILL
/// while the receiver holds its POST. What the fleet promises then: nobody else delivers while its claim's lease lives;
/// afterwards another appliance delivers it, and every POST carries the same notice id, so the receiver accepts it once
/// and can drop the repeat (at least once, with one id: whether the dead sender's POST was taken cannot be known).
/// </summary>
public sealed class FleetNoticeProcessTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task SenderProcessKilledWhileTheReceiverHoldsItsPost_AnotherApplianceDeliversAfterTheLease_OneAcceptedDeliveryOneNoticeId()
    {
        using var receiver = new HoldingReceiver();
        using var shared = new TempDirectory();
        using var processData = new TempDirectory();
        var fleet = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        // Another appliance of the fleet, in this process; with a clock given, its background sender stays off and only
        // the passes this test makes deliver.
        await using var other = new NotifyCore(fleet, TimeProvider.System);
        other.SaveSettings(s =>
        {
            s.Webhook.Url = receiver.Url("/hooks/nasdash");
            s.Webhook.Preset = WebhookPreset.Json;
            s.Webhook.Events = [SecurityNoticeKind.SuperLocked];
        });
        var bob = other.AddAdministrator("bob");
        await other.SuperLockAsync(bob);
        var notice = Assert.Single(other.Notices(), n => n.Kind == SecurityNoticeKind.SuperLocked);

        // The server process starts with the notice pending: its sender's first pass claims it and posts it.
        var log = new ConcurrentQueue<string>();
        using var server = NasDashProcess.StartServer(processData.Path, log.Enqueue,
        [
            "--urls", "http://127.0.0.1:0", "--environment", "Testing", "--NasDash:Session:SecureCookies", "false",
            "--NasDash:PasswordIterations", "1000", "--Logging:LogLevel:Default", "Warning",
            // Each attempt may take 10 s, so the claim lives 2 × 10 + 30 s.
            "--NasDash:Notifications:Delivery:AttemptTimeout", "00:00:10", "--NasDash:Notifications:Delivery:FirstRetry", "00:00:00.200",
            .. fleet.SelectMany(setting => new[] { "--" + setting.Key, setting.Value! }),
        ]);
        DateTimeOffset leaseEndsNoEarlierThan;
        try
        {
            var exited = server.WaitForExitAsync(TestContext.Current.CancellationToken);
            var first = await Task.WhenAny(receiver.FirstHeld, exited, Task.Delay(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken));
            Assert.True(first == receiver.FirstHeld,
                (first == exited ? $"The server process exited ({server.ExitCode}) before it posted the notice." : "The server posted no notice within 90 s.")
                // On one line: CI repeats only a failure's indented lines.
                + " Its last output: " + string.Join(" | ", log.TakeLast(40).Select(l => l.Trim())));
            var held = await receiver.FirstHeld;
            Assert.Equal(notice.Id.ToString(), held.Headers[WebhookChannel.NoticeIdHeader]);
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }

            // The held POST is never answered: its sender is gone.
            receiver.DropHeld();
        }

        // The dead sender's claim outlives it until its lease runs out; until then the others leave the notice alone.
        var claim = ClaimOf(fixture.Cluster, fleet["NasDash:Fleet:Etcd:Prefix"]!, notice.Id);
        Assert.True(claim.TTL > 0, "The dead sender's claim has no lease left.");
        leaseEndsNoEarlierThan = DateTimeOffset.UtcNow.AddSeconds(claim.TTL - 1);
        var attempted = Assert.Single(Assert.Single(other.Notices(), n => n.Id == notice.Id).Deliveries);
        Assert.Equal(1, attempted.Attempts);
        Assert.Null(attempted.DeliveredAt);
        await other.DeliverDueNowAsync();
        Assert.Single(receiver.Received);

        var deadline = DateTimeOffset.UtcNow.AddMinutes(3);
        while (Assert.Single(other.Notices(), n => n.Id == notice.Id).DoneAt is null && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            await other.DeliverDueNowAsync();
        }

        var done = Assert.Single(other.Notices(), n => n.Id == notice.Id);
        Assert.NotNull(done.DoneAt);
        var delivery = Assert.Single(done.Deliveries);
        Assert.Equal(2, delivery.Attempts);
        Assert.NotNull(delivery.DeliveredAt);
        Assert.Equal(2, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal(notice.Id.ToString(), r.Headers[WebhookChannel.NoticeIdHeader]));
        var accepted = Assert.Single(receiver.Accepted);
        Assert.True(accepted.At >= leaseEndsNoEarlierThan, $"Delivered again at {accepted.At:O}, before the claim's lease ran out ({leaseEndsNoEarlierThan:O}).");
        Assert.Single(other.Audit(AuditNames.NotifyDelivered.Id), e => e.UserName == "bob" && e.Outcome == "succeeded");
    }

    /// <summary>The claim key of the notice and its lease's remaining time, read from etcd.</summary>
    private static LeaseTimeToLiveResponse ClaimOf(EtcdCluster cluster, string prefix, Guid notice)
    {
        var options = cluster.Options(prefix);
        using var client = EtcdConnection.Open(options);
        var key = options.KeyPrefix + "claims/" + notice.ToString("N");
        var found = Assert.Single(client.Get(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, deadline: DateTime.UtcNow.AddSeconds(5)).Kvs);
        Assert.NotEqual(0, found.Lease);
        return client.LeaseTimeToLive(new LeaseTimeToLiveRequest { ID = found.Lease }, deadline: DateTime.UtcNow.AddSeconds(5));
    }

    /// <summary>
    /// A webhook receiver that holds the first POST unanswered (until <see cref="DropHeld"/> aborts it) and answers every
    /// later one 200; it records each request, and each one it accepted with the time.
    /// </summary>
    private sealed class HoldingReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<ReceivedRequest> _received = new();
        private readonly ConcurrentQueue<(ReceivedRequest Request, DateTimeOffset At)> _accepted = new();
        private readonly TaskCompletionSource<ReceivedRequest> _firstHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private HttpListenerContext? _held;
        private int _heldOne;

        public HoldingReceiver()
        {
            Port = SmtpTestServer.FreePort();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _ = ServeAsync();
        }

        public int Port { get; }

        public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

        public Task<ReceivedRequest> FirstHeld => _firstHeld.Task;

        public IReadOnlyList<ReceivedRequest> Received => [.. _received];

        public IReadOnlyList<(ReceivedRequest Request, DateTimeOffset At)> Accepted => [.. _accepted];

        public void DropHeld() => Interlocked.Exchange(ref _held, null)?.Response.Abort();

        public void Dispose()
        {
            DropHeld();
            _listener.Close();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(() => HandleAsync(context));
            }
        }

        private async Task HandleAsync(HttpListenerContext context)
        {
            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
                var request = new ReceivedRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, headers, body.ToArray());
                _received.Enqueue(request);
                if (Interlocked.Exchange(ref _heldOne, 1) == 0)
                {
                    _held = context;
                    _firstHeld.TrySetResult(request);
                    return;
                }

                context.Response.StatusCode = 200;
                await context.Response.OutputStream.WriteAsync("{\"ok\":true}"u8.ToArray());
                context.Response.Close();
                _accepted.Enqueue((request, DateTimeOffset.UtcNow));
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or IOException)
            {
                // The sender went away mid-request.
            }
        }
    }
}
