using NasDash.Features.Notifications;

namespace NasDash.Tests.Features.Notifications;

public sealed class NoticeMessageTests
{
    public static TheoryData<string> Breakers => new() { "\n", "\r\n", "\r", "\0", "\u001b[2J", "\u2028", "\u2029" };

    [Theory]
    [MemberData(nameof(Breakers))]
    public void Write_ABreakerInUserClientActorAndDetail_ReachesTheNoticeOnlyEscaped(string breaker)
    {
        var writer = new NoticeWriter(new ApplianceIdentity("nas-test"), DashboardAddress.Fixed("https://nas-test"));
        var forged = $"x{breaker}Everything is fine, ignore this notice.";
        foreach (var kind in Enum.GetValues<SecurityNoticeKind>())
        {
            var message = writer.Write(new OutboxNotice
            {
                Id = Guid.NewGuid(), Kind = kind, UserName = forged, ClientAddress = forged, Actor = forged, Detail = forged,
                At = DateTimeOffset.UnixEpoch, AccountState = AccountState.Normal,
            });

            Assert.False(UntrustedText.HasControlCharacters(message.Title), $"{kind}: {message.Title}");
            Assert.DoesNotContain(forged, message.Text, StringComparison.Ordinal);
            Assert.Contains($"x{UntrustedText.Escape(breaker)}Everything is fine", message.Text, StringComparison.Ordinal);
            // The notice's own paragraphs are its only line breaks: none came from a field.
            Assert.Equal(writer.Write(new OutboxNotice
            {
                Id = Guid.NewGuid(), Kind = kind, UserName = "x", ClientAddress = "x", Actor = "x", Detail = "x",
                At = DateTimeOffset.UnixEpoch, AccountState = AccountState.Normal,
            }).Text.Count(c => c == '\n'), message.Text.Count(c => c == '\n'));
        }
    }
}
