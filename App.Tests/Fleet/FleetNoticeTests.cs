using NasDash.Features.Notifications;
using NasDash.Tests.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>The outbox of a fleet: every appliance runs a sender, and each notice still reaches each target once.</summary>
public sealed class FleetNoticeTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task SuperLockoutOnAFleetOfThreeSenders_TheWebhookReceivesOneNotice()
    {
        using var receiver = new HttpReceiver();
        using var shared = new TempDirectory();
        var fleet = FleetSettings(fixture.Cluster, shared);
        await using var a = new NotifyCore(fleet);
        await using var b = new NotifyCore(fleet);
        await using var c = new NotifyCore(fleet);
        a.SaveSettings(s =>
        {
            s.Webhook.Url = receiver.Url("/hooks/nasdash");
            s.Webhook.Preset = WebhookPreset.Json;
            s.Webhook.Events = [SecurityNoticeKind.SuperLocked];
        });
        var bob = a.AddAdministrator("bob");

        await a.SuperLockAsync(bob);
        // a's own sender woke on the commit; b's and c's passes race it for the same notice.
        await Task.WhenAll(Task.Run(b.DeliverDueNowAsync, TestContext.Current.CancellationToken), Task.Run(c.DeliverDueNowAsync, TestContext.Current.CancellationToken), Task.Run(a.DeliverDueNowAsync, TestContext.Current.CancellationToken));
        var notices = await b.WaitUntilDoneAsync(TimeSpan.FromSeconds(20));

        var superLocked = Assert.Single(notices, n => n.Kind == SecurityNoticeKind.SuperLocked);
        Assert.NotNull(superLocked.DoneAt);
        var posted = Assert.Single(receiver.Received);
        Assert.Equal(superLocked.Id.ToString(), posted.Headers[WebhookChannel.NoticeIdHeader]);
        Assert.Equal(1, Assert.Single(superLocked.Deliveries).Attempts);
    }

    /// <summary>An appliance's NasDash:Fleet:Etcd:* settings for the cluster: one prefix, the key-ring key file in <paramref name="shared"/>, and on a TLS or authenticating cluster its certificates and user.</summary>
    internal static Dictionary<string, string?> FleetSettings(EtcdCluster cluster, TempDirectory shared) => FleetSettings(cluster.Options(), shared);

    /// <summary>These NasDash:Fleet:Etcd options as configuration, the key-ring key file in <paramref name="shared"/>.</summary>
    internal static Dictionary<string, string?> FleetSettings(NasDash.Fleet.EtcdFleetOptions options, TempDirectory shared)
    {
        var settings = new Dictionary<string, string?>
        {
            ["NasDash:Fleet:Etcd:Endpoints"] = options.Endpoints,
            ["NasDash:Fleet:Etcd:Prefix"] = options.Prefix,
            ["NasDash:Fleet:Etcd:KeyRingKeyFile"] = shared.Combine("fleet-keyring.key"),
            ["NasDash:Fleet:Etcd:RequestTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in new[]
                 {
                     ("CaCertificate", options.CaCertificate), ("ClientCertificate", options.ClientCertificate), ("ClientKey", options.ClientKey),
                     ("User", options.User), ("Password", options.Password),
                 })
        {
            if (value is not null)
            {
                settings["NasDash:Fleet:Etcd:" + key] = value;
            }
        }

        return settings;
    }
}
