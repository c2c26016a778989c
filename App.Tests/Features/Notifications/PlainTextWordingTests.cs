using Microsoft.Extensions.Time.Testing;
using NasDash.Features.Notifications;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Notifications;

/// <summary>Alerts, e-mails and webhook messages are plain text: a Markdown backtick would be shown as it is.</summary>
public sealed class PlainTextWordingTests
{
    public static TheoryData<SecurityNoticeKind> NoticeKinds => [.. Enum.GetValues<SecurityNoticeKind>()];

    public static TheoryData<LockoutEventKind> LockoutKinds => [.. Enum.GetValues<LockoutEventKind>()];

    [Theory]
    [MemberData(nameof(NoticeKinds))]
    public void Notice_OfEveryKind_HasNoMarkdownBackticks(SecurityNoticeKind kind)
    {
        var writer = new NoticeWriter(new ApplianceIdentity("nas-test"), DashboardAddress.Fixed("https://nas-test"));

        var message = writer.Write(new OutboxNotice
        {
            Kind = kind, At = DateTimeOffset.UnixEpoch, UserName = "alice", Actor = "root", ClientAddress = "192.0.2.1",
            AccountState = AccountState.SuperLocked, Detail = "detail",
        });

        Assert.DoesNotContain('`', message.Text);
        Assert.NotEmpty(message.Body);
    }

    [Theory]
    [MemberData(nameof(LockoutKinds))]
    public void LockoutAlert_OfEveryKind_HasNoMarkdownBackticks(LockoutEventKind kind)
    {
        using var data = new TempDirectory();
        using var store = new LiteDbStore(data.Path, new FakeTimeProvider());

        new LockoutAlerts(store).Record(new LockoutEvent(kind, Guid.NewGuid(), "alice", "192.0.2.1", DateTimeOffset.UnixEpoch));

        Assert.NotEmpty(store.Open());
        Assert.All(store.Open(), alert => Assert.DoesNotContain('`', alert.Message));
    }
}
