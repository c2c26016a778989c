using System.Diagnostics;
using MimeKit;
using NasDash.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Notifications;

/// <summary>Security notices through the outbox and the background sender to a real SMTP server (aiosmtpd).</summary>
public sealed class EmailDeliveryTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);
    private static readonly string[] Recipients = ["owner@example.test", "deputy@example.test"];

    [Fact]
    public async Task Recovery_DeliversOneMailToEveryRecipient_SayingWhoWhereAndWhatToDo()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        await using var core = new NotifyCore();
        core.UseEmail(smtp.Port, Recipients);
        var alice = core.AddAdministrator("alice");

        Assert.IsType<SecondFactorResult.SignedIn>(await core.RecoverAsync(alice, client: "198.51.100.23"));

        var mail = Assert.Single(await smtp.WaitForMessagesAsync(1, Within));
        AssertToEveryRecipient(mail);
        Assert.Equal("[NasDash nas-test] alice signed in to nas-test with backup codes", mail.Subject);
        var body = Text(mail);
        Assert.Contains("from 198.51.100.23", body, StringComparison.Ordinal);
        Assert.Contains("Account state now: normal", body, StringComparison.Ordinal);
        Assert.Contains("If this was not you", body, StringComparison.Ordinal);
        Assert.Contains("nasdash console unlock alice", body, StringComparison.Ordinal);
        AssertNoSecret(body, alice);
        await core.WaitUntilDoneAsync(Within);
        Assert.Contains("after 1 attempt(s): 127.0.0.1 accepted the mail", Assert.Single(core.Audit("notify.delivered")).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuperLockout_DeliversTheConsoleCommand()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        await using var core = new NotifyCore();
        core.UseEmail(smtp.Port, Recipients);
        var bob = core.AddAdministrator("bob");

        await core.SuperLockAsync(bob);

        var messages = await smtp.WaitForMessagesAsync(2, Within);
        Assert.Equal(["[NasDash nas-test] Backup codes were entered for bob on nas-test", "[NasDash nas-test] bob is super-locked on nas-test"],
            messages.Select(m => m.Subject).Order(StringComparer.Ordinal));
        var superLocked = messages.Single(m => (m.Subject ?? "").Contains("super-locked", StringComparison.Ordinal));
        AssertToEveryRecipient(superLocked);
        Assert.Contains("    nasdash console unlock bob\n", Text(superLocked).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("Account state now: super-locked", Text(superLocked), StringComparison.Ordinal);
        Assert.Contains("from 192.0.2.9", Text(superLocked), StringComparison.Ordinal);
        AssertNoSecret(Text(superLocked), bob);
    }

    [Fact]
    public async Task SshShutOff_DeliversWhereToReEnableIt()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        await using var core = new NotifyCore();
        core.UseEmail(smtp.Port, Recipients);
        core.SetSshTwoFactor(true);
        var carol = core.AddAdministrator("carol");

        await core.FailBackupCodesAsync(carol);

        var messages = await smtp.WaitForMessagesAsync(2, Within);
        var ssh = Assert.Single(messages, m => m.Subject == "[NasDash nas-test] SSH login is switched off on nas-test");
        AssertToEveryRecipient(ssh);
        Assert.Contains("Re-enable SSH at https://nas-test:5443/services/ssh", Text(ssh), StringComparison.Ordinal);
        Assert.Contains("nasdash console ssh-enable", Text(ssh), StringComparison.Ordinal);
        Assert.Contains("a lockout event of carol from 192.0.2.7", Text(ssh), StringComparison.Ordinal);
        Assert.Single(messages, m => (m.Subject ?? "").Contains("Backup codes were entered for carol", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartTls_SelfSignedCertificate_IsRefusedWithItsFingerprintUntilAccepted()
    {
        using var smtp = await SmtpTestServer.StartAsync(startTls: true);
        var channel = new EmailChannel();
        var writer = new NoticeMessage("test", NoticeSeverity.Info, "alice", "nas-test", DateTimeOffset.UtcNow, "Test", "Body", "https://nas-test");
        var settings = new EmailSettings("127.0.0.1", smtp.Port, SmtpSecurity.StartTls, null, null, null, "nasdash@nas-test.example", Recipients,
            new HashSet<SecurityNoticeKind>());
        var fingerprint = EmailChannel.Fingerprint(smtp.Certificate!);

        var refused = await channel.SendAsync(settings, writer, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.False(refused.Delivered);
        Assert.StartsWith("TLS: 127.0.0.1 presented a certificate that is not trusted", refused.Answer, StringComparison.Ordinal);
        Assert.Equal(fingerprint, refused.UntrustedCertificate?.Fingerprint);
        Assert.Contains(fingerprint, refused.Answer, StringComparison.Ordinal);
        Assert.Empty(smtp.Messages());

        var accepted = await channel.SendAsync(settings with { AcceptedCertificate = fingerprint.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant() },
            writer, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(accepted.Delivered, accepted.Answer);
        Assert.StartsWith("127.0.0.1 accepted the mail", accepted.Answer, StringComparison.Ordinal);
        AssertToEveryRecipient(Assert.Single(await smtp.WaitForMessagesAsync(1, Within)));
    }

    [Fact]
    public async Task SmtpDownDuringSuperLockout_ThenRestart_ThenServerBack_ArrivesExactlyOnce()
    {
        var port = SmtpTestServer.FreePort();
        await using var core = new NotifyCore();
        core.UseEmail(port, Recipients);
        var dave = core.AddAdministrator("dave");

        await core.SuperLockAsync(dave);
        await WaitForAsync(() => core.Notices().Count == 2 && core.Notices().All(n => n.Deliveries.Any(d => d.Attempts >= 2)));
        var failed = core.Notices().SelectMany(n => n.Deliveries).ToList();
        Assert.All(failed, d => Assert.Equal($"refused: nothing accepts connections on 127.0.0.1:{port}", d.LastError));
        Assert.All(failed, d => Assert.Null(d.DeliveredAt));

        await core.Restart();
        using var smtp = await SmtpTestServer.StartAsync(port);

        var messages = await smtp.WaitForMessagesAsync(2, Within);
        await core.WaitUntilDoneAsync(Within);
        // Every notice is done, so no pass of the sender delivers again: make one now and count what arrived.
        await core.DeliverDueNowAsync();
        messages = smtp.Messages();
        Assert.Equal(2, messages.Count);
        Assert.Single(messages, m => (m.Subject ?? "").Contains("dave is super-locked", StringComparison.Ordinal));
        Assert.All(core.Notices(), n => Assert.NotNull(n.DoneAt));
        Assert.Equal(2, core.Audit("notify.delivered").Count);
        Assert.Empty(core.Audit("notify.failed"));
    }

    [Fact]
    public async Task DeliveryWhoseOutcomeDiedWithTheProcess_IsMadeAgainWithTheSameMessageId()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        await using var core = new NotifyCore();
        core.UseEmail(smtp.Port, Recipients);
        await core.RecoverAsync(core.AddAdministrator("frank"));
        var first = Assert.Single(await smtp.WaitForMessagesAsync(1, Within));
        var notice = Assert.Single(await core.WaitUntilDoneAsync(Within), n => n.Deliveries.Count > 0);

        // Killed after the server took the mail and before the outcome was committed: the attempt was counted, nothing else.
        await core.RestartAfter(store =>
        {
            var cutOff = store.AllNotices(10).Single(n => n.Id == notice.Id);
            cutOff.DoneAt = null;
            cutOff.Deliveries.Single().DeliveredAt = null;
            cutOff.Deliveries.Single().NextAttemptAt = DateTimeOffset.UtcNow;
            store.Save(cutOff);
        });

        var copies = await smtp.WaitForMessagesAsync(2, Within);
        Assert.Equal(2, copies.Count);
        Assert.Equal($"notice-{notice.Id:N}@nas-test", first.MessageId);
        Assert.All(copies, copy => Assert.Equal(first.MessageId, copy.MessageId));
        var delivered = Assert.Single(await core.WaitUntilDoneAsync(Within), n => n.Id == notice.Id).Deliveries.Single();
        Assert.Equal(2, delivered.Attempts);
        Assert.NotNull(delivered.DeliveredAt);
    }

    [Fact]
    public async Task Delivery_WhileTheMailServerHasNotAnswered_IsAlreadyCountedInTheStore()
    {
        using var hanging = new HangingSmtpServer();
        await using var core = new NotifyCore();
        core.UseEmail(hanging.Port, Recipients);

        await core.RecoverAsync(core.AddAdministrator("grace"));
        await WaitForAsync(() => hanging.Connections > 0);

        var inFlight = Assert.Single(Assert.Single(core.Notices(), n => n.Deliveries.Count > 0).Deliveries);
        Assert.Equal(1, inFlight.Attempts);
        Assert.Null(inFlight.DeliveredAt);
        Assert.Null(inFlight.LastError);
    }

    [Fact]
    public async Task TargetThatKeepsFailing_RaisesADashboardAlert()
    {
        await using var core = new NotifyCore();
        core.UseEmail(SmtpTestServer.FreePort(), Recipients);

        await core.FailBackupCodesAsync(core.AddAdministrator("erin"));

        await WaitForAsync(() => core.Store.Open().Any(a => a.Key == AlertKeys.NotifyFailingPrefix + EmailChannel.Target));
        var alert = core.Store.Open().Single(a => a.Key == AlertKeys.NotifyFailingPrefix + EmailChannel.Target);
        Assert.Contains("refused: nothing accepts connections", alert.Message, StringComparison.Ordinal);
        Assert.Equal("/settings/notifications", alert.ActionUrl);
    }

    [Fact]
    public async Task SignIn_WithTheMailServerHanging_TakesAsLongAsWithItUp()
    {
        using var up = await SmtpTestServer.StartAsync();
        using var hanging = new HangingSmtpServer();
        await using var coreUp = new NotifyCore();
        await using var coreHanging = new NotifyCore();
        coreUp.UseEmail(up.Port, Recipients);
        coreHanging.UseEmail(hanging.Port, Recipients);
        var n = 0;

        // Each round: a lockout event that queues a notice (wrong backup codes), then a full TOTP sign-in.
        async Task LockoutThenSignIn(NotifyCore core)
        {
            var admin = core.AddAdministrator($"user{Interlocked.Increment(ref n)}");
            await core.FailBackupCodesAsync(admin);
            var signIn = core.Get<SignInService>();
            var other = core.AddAdministrator($"user{Interlocked.Increment(ref n)}");
            var password = Assert.IsType<PasswordStepResult.SecondFactorRequired>(
                await signIn.SubmitPasswordAsync(other.UserName, other.Password, "192.0.2.1", TestContext.Current.CancellationToken));
            Assert.IsType<SecondFactorResult.SignedIn>(
                await signIn.SubmitTotpAsync(password.ChallengeId, await other.NextCodeAsync(TimeProvider.System), "192.0.2.1", TestContext.Current.CancellationToken));
        }

        var fastest = await TimingCollection.InterleavedFastest(5, () => LockoutThenSignIn(coreUp), () => LockoutThenSignIn(coreHanging));

        // The sender works after the commit, on its own thread: wait for it to reach the hanging server, however loaded the machine.
        await WaitForAsync(() => hanging.Connections > 0);
        TestContext.Current.TestOutputHelper?.WriteLine($"lockout + sign-in, fastest of 5: SMTP up {fastest[0].TotalMilliseconds:F1} ms, SMTP hanging {fastest[1].TotalMilliseconds:F1} ms");
        Assert.True(fastest[1] <= fastest[0] * 2 + TimeSpan.FromMilliseconds(50),
            $"with the mail server hanging: {fastest[1].TotalMilliseconds:F1} ms, with it up: {fastest[0].TotalMilliseconds:F1} ms");
    }

    private static string Text(MimeMessage mail) => mail.TextBody ?? "";

    private static void AssertToEveryRecipient(MimeMessage mail)
    {
        Assert.Equal(Recipients, mail.To.Mailboxes.Select(m => m.Address));
        Assert.Equal(Recipients, (mail.Headers["X-RcptTo"] ?? "").Split(',', StringSplitOptions.TrimEntries));
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
    }

    private static void AssertNoSecret(string body, SeededAdmin admin)
    {
        Assert.DoesNotContain(admin.Password, body, StringComparison.Ordinal);
        Assert.All(admin.Codes, code => Assert.DoesNotContain(code, body, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < Within, "the condition did not hold within the time allowed");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
