using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NasDash.Features.Notifications;

namespace NasDash.Tests.Features.Notifications;

/// <summary>Security notices posted to a local HTTP receiver: the body of each preset and the HMAC signature.</summary>
public sealed class WebhookDeliveryTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);
    private static readonly Guid SuperLockedId = Guid.Parse("5f0c1d2e-3a4b-4c5d-8e6f-708192a3b4c5");

    [Fact]
    public async Task JsonPreset_SuperLockout_PostsTheDocumentedFieldsSignedWithTheSecret()
    {
        using var receiver = new HttpReceiver();
        await using var core = new NotifyCore();
        core.SaveSettings(s =>
        {
            s.Webhook.Url = receiver.Url("/hooks/nasdash");
            s.Webhook.Preset = WebhookPreset.Json;
            s.Webhook.ProtectedSecret = core.Get<NotificationSecrets>().Protect("s3cret-signing-key");
            s.Webhook.Events = [SecurityNoticeKind.SuperLocked];
        });
        var bob = core.AddAdministrator("bob");

        await core.SuperLockAsync(bob);

        var request = await receiver.WaitForOneAsync(Within);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks/nasdash", request.PathAndQuery);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        Assert.Equal(["id", "event", "severity", "user", "host", "at", "message", "url", "reportUrl"], root.EnumerateObject().Select(p => p.Name));
        Assert.Matches("/report/[A-Za-z0-9_-]{22}$", root.GetProperty("reportUrl").GetString());
        Assert.Contains(root.GetProperty("reportUrl").GetString()!, root.GetProperty("message").GetString(), StringComparison.Ordinal);
        var notice = Assert.Single(core.Notices(), n => n.Kind == SecurityNoticeKind.SuperLocked);
        Assert.Equal(notice.Id.ToString(), root.GetProperty("id").GetString());
        Assert.Equal(notice.Id.ToString(), request.Headers[WebhookChannel.NoticeIdHeader]);
        Assert.Equal("super-locked", root.GetProperty("event").GetString());
        Assert.Equal("critical", root.GetProperty("severity").GetString());
        Assert.Equal("bob", root.GetProperty("user").GetString());
        Assert.Equal("nas-test", root.GetProperty("host").GetString());
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("at").GetString(), out var at) && at.Offset == TimeSpan.Zero);
        Assert.Contains("nasdash console unlock bob", root.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("https://nas-test:5443/users", root.GetProperty("url").GetString());
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("s3cret-signing-key"), request.Body));
        Assert.Equal(expected, request.Headers[WebhookChannel.SignatureHeader]);
        Assert.DoesNotContain("s3cret", request.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NtfyPreset_PostsTheTextWithTitlePriorityAndClickHeaders()
    {
        using var receiver = new HttpReceiver();
        var request = await SendAsync(receiver, WebhookPreset.Ntfy);

        Assert.StartsWith("text/plain", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("bob is super-locked on nas-test", request.Headers["Title"]);
        Assert.Equal("5", request.Headers["Priority"]);
        Assert.Equal("https://nas-test/users", request.Headers["Click"]);
        Assert.Contains("nasdash console unlock bob", request.Text, StringComparison.Ordinal);
        Assert.False(request.Headers.ContainsKey(WebhookChannel.SignatureHeader));
        Assert.Equal(SuperLockedId.ToString(), request.Headers[WebhookChannel.NoticeIdHeader]);
    }

    [Fact]
    public async Task GotifyPreset_PostsTitleMessageAndPriority()
    {
        using var receiver = new HttpReceiver();
        var request = await SendAsync(receiver, WebhookPreset.Gotify);

        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal("bob is super-locked on nas-test", json.RootElement.GetProperty("title").GetString());
        Assert.Contains("nasdash console unlock bob", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(8, json.RootElement.GetProperty("priority").GetInt32());
        Assert.Equal("https://nas-test/users",
            json.RootElement.GetProperty("extras").GetProperty("client::notification").GetProperty("click").GetProperty("url").GetString());
        Assert.Equal(SuperLockedId.ToString(), json.RootElement.GetProperty("extras").GetProperty("nasdash::notice").GetProperty("id").GetString());
        Assert.Equal(SuperLockedId.ToString(), request.Headers[WebhookChannel.NoticeIdHeader]);
    }

    [Fact]
    public async Task SlackPreset_PostsOneTextField()
    {
        using var receiver = new HttpReceiver();
        var request = await SendAsync(receiver, WebhookPreset.Slack, secret: "k");

        using var json = JsonDocument.Parse(request.Body);
        var text = Assert.Single(json.RootElement.EnumerateObject());
        Assert.Equal("text", text.Name);
        Assert.StartsWith("*bob is super-locked on nas-test*\n", text.Value.GetString(), StringComparison.Ordinal);
        Assert.EndsWith("<https://nas-test/users>", text.Value.GetString(), StringComparison.Ordinal);
        Assert.Equal(WebhookChannel.Sign("k", request.Body), request.Headers[WebhookChannel.SignatureHeader]);
        Assert.Equal(SuperLockedId.ToString(), request.Headers[WebhookChannel.NoticeIdHeader]);
    }

    [Fact]
    public async Task ServerAnsweringAnError_IsAFailureWithItsStatusInWordsAndNeverItsBody()
    {
        using var receiver = new HttpReceiver(HttpStatusCode.Forbidden);
        using var channel = new WebhookChannel();
        var outcome = await channel.SendAsync(
            new WebhookSettings(receiver.Url("/x"), WebhookPreset.Json, null, new HashSet<SecurityNoticeKind>()), SuperLocked(), Within, TestContext.Current.CancellationToken);

        Assert.False(outcome.Delivered);
        Assert.Equal("127.0.0.1 answered 403 Forbidden", outcome.Answer);
    }

    [Theory]
    [InlineData(HttpStatusCode.Found)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    [InlineData(HttpStatusCode.PermanentRedirect)]
    public async Task RedirectToLoopback_IsAFailureNotFollowedAndTheSecondServerNeverHit(HttpStatusCode redirect)
    {
        using var inside = new HttpReceiver();
        using var target = new HttpReceiver(redirect, location: inside.Url("/internal/admin"));
        using var channel = new WebhookChannel();

        var outcome = await channel.SendAsync(
            new WebhookSettings(target.Url("/hook"), WebhookPreset.Json, "k", new HashSet<SecurityNoticeKind>()), SuperLocked(), Within, TestContext.Current.CancellationToken);

        Assert.False(outcome.Delivered);
        Assert.StartsWith($"127.0.0.1 answered {(int)redirect} ", outcome.Answer, StringComparison.Ordinal);
        Assert.EndsWith($": redirect to {inside.Url("/internal/admin")} not followed", outcome.Answer, StringComparison.Ordinal);
        Assert.Single(target.Received);
        // The post returned only after the whole exchange with the target: a followed redirect would already be here.
        Assert.Empty(inside.Received);
    }

    [Fact]
    public void Handler_OfEveryWebhookPost_DoesNotFollowRedirects() => Assert.False(WebhookChannel.NewHandler().AllowAutoRedirect);

    [Fact]
    public async Task NothingListening_IsRefusedInWords()
    {
        var port = SmtpTestServer.FreePort();
        using var channel = new WebhookChannel();
        var outcome = await channel.SendAsync(
            new WebhookSettings($"http://127.0.0.1:{port}/x", WebhookPreset.Json, null, new HashSet<SecurityNoticeKind>()), SuperLocked(), Within, TestContext.Current.CancellationToken);

        Assert.False(outcome.Delivered);
        Assert.Equal($"refused: nothing accepts connections on 127.0.0.1:{port}", outcome.Answer);
    }

    private static async Task<ReceivedRequest> SendAsync(HttpReceiver receiver, WebhookPreset preset, string? secret = null)
    {
        using var channel = new WebhookChannel();
        var outcome = await channel.SendAsync(
            new WebhookSettings(receiver.Url("/message?token=abc"), preset, secret, new HashSet<SecurityNoticeKind>()), SuperLocked(), Within, TestContext.Current.CancellationToken);
        Assert.True(outcome.Delivered, outcome.Answer);
        Assert.Equal("127.0.0.1 answered 200 OK", outcome.Answer);
        return await receiver.WaitForOneAsync(Within);
    }

    private static NoticeMessage SuperLocked()
    {
        var writer = new NoticeWriter(new ApplianceIdentity("nas-test"), DashboardAddress.Fixed("https://nas-test"));
        return writer.Write(new OutboxNotice { Id = SuperLockedId, Kind = SecurityNoticeKind.SuperLocked, UserName = "bob", ClientAddress = "192.0.2.9", At = DateTimeOffset.UtcNow, AccountState = AccountState.SuperLocked });
    }
}
