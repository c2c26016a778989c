using System.Text.Json;
using System.Text.RegularExpressions;
using MimeKit;
using NasDash.Features.MyAccount;
using NasDash.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Notifications;

/// <summary>
/// An administrator's own addresses against a real SMTP server (aiosmtpd) and a local webhook receiver: each is confirmed
/// with the code that reached it, then every change to that administrator's sign-in reaches both.
/// </summary>
public sealed partial class MyAddressesDeliveryTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private const string AliceMail = "alice@mail.example.test";
    private const string ApplianceMail = "owner@example.test";
    private const string Client = "198.51.100.61";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAdministratorConfirmsAMailAndAWebhookOfTheirOwn_ThenEveryChangeToTheirSignInReachesBoth()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        using var receiver = new HttpReceiver();
        await using var core = new NotifyCore(new Dictionary<string, string?>
        {
            ["NasDash:WebAuthn:RelyingPartyId"] = "localhost",
            ["NasDash:WebAuthn:Origins:0"] = "http://localhost",
        });
        core.UseEmail(smtp.Port, ApplianceMail);
        var alice = core.AddAdministrator("alice");
        var bob = core.AddAdministrator("bob");
        var service = core.As<MyAddressesService>(alice, Client);

        // The mail address: its code arrives by mail, to it alone.
        await StepUpAsync(core, alice, NotificationAddresses.AddPurpose);
        var mailAdded = await service.AddAsync(new MyAddressForm { Kind = AddressChoice.Email, Value = AliceMail }, Cancel);
        Assert.True(mailAdded.Sent!.Delivered, mailAdded.Sent.Answer);
        var codeMail = Assert.Single(await MailsToAsync(smtp, AliceMail, 1));
        var mailCode = CodeIn().Match(codeMail.Subject ?? "").Groups[1].Value;
        Assert.Equal($"[NasDash nas-test] Confirmation code for alice on nas-test: {mailCode}", codeMail.Subject);
        Assert.Contains($"\n    {mailCode}\n", (codeMail.TextBody ?? "").ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var mailRow = Assert.IsType<AddressChange.CodeIssued>(mailAdded.Change).Row;
        Assert.IsType<AddressChange.Confirmed>((await service.ConfirmAsync(mailRow.Id, mailCode, Cancel)).Change);

        // The webhook: its code arrives in the preset's body.
        await StepUpAsync(core, alice, NotificationAddresses.AddPurpose);
        var hookAdded = await service.AddAsync(new MyAddressForm { Kind = AddressChoice.Json, Value = receiver.Url("/hooks/alice-Xk29") }, Cancel);
        Assert.True(hookAdded.Sent!.Delivered, hookAdded.Sent.Answer);
        var codeRequest = Assert.Single(await RequestsAsync(receiver, 1));
        using (var json = JsonDocument.Parse(codeRequest.Body))
        {
            Assert.Equal("notification-address-code", json.RootElement.GetProperty("event").GetString());
            var hookCode = CodeIn().Match(json.RootElement.GetProperty("message").GetString()!).Groups[1].Value;
            var hookRow = Assert.IsType<AddressChange.CodeIssued>(hookAdded.Change).Row;
            Assert.IsType<AddressChange.Confirmed>((await service.ConfirmAsync(hookRow.Id, hookCode, Cancel)).Change);
        }

        // The mail address is told of the webhook's adding and confirmation; the webhook of neither.
        await WaitUntilDoneAsync(core);
        var toldMail = Notices(await MailsToAsync(smtp, AliceMail, 3)).Select(m => m.Subject).ToList();
        Assert.Equal(["[NasDash nas-test] A notification address was added for alice on nas-test", "[NasDash nas-test] alice confirmed a notification address on nas-test"],
            toldMail.Order(StringComparer.Ordinal));
        Assert.Single(receiver.Received);

        // Then: a security key, a new authenticator, an administrator created and deleted by alice, and bob requiring her to change her password.
        using var key = new TestAuthenticator("http://localhost");
        Assert.IsType<SecurityKeyChange.Added>(await SecurityKeySteps.RegisterAsync(core.Get<IServiceProvider>(), alice, key, TimeProvider.System, "YubiKey 5C"));
        await RenewAuthenticatorAsync(core, alice);
        var ledger = core.Get<SecurityLedger>();
        var carol = Account.Create("carol", core.Get<PasswordHashing>().Hash("a long test passphrase"), DateTimeOffset.UtcNow);
        Assert.True(ledger.Insert(carol, Entry("alice", AuditNames.UsersCreated, "target carol")));
        Assert.True(ledger.Delete(core.Get<IAccountStore>().FindByName("carol")!, Entry("alice", AuditNames.UsersDeleted, "target carol")));
        var stored = core.Get<IAccountStore>().FindById(alice.Id)!;
        stored.RequirePasswordChange();
        ledger.Commit(stored, Entry(bob.UserName, AuditNames.UsersPasswordChangeForced, "target alice"));

        string[] expected =
        [
            "A security key was added for alice on nas-test",
            "alice's authenticator app was replaced on nas-test",
            "A new administrator carol was created on nas-test",
            "The administrator carol was deleted on nas-test",
            "alice must choose a new password on nas-test",
        ];
        var mails = Notices(await MailsToAsync(smtp, AliceMail, 3 + expected.Length)).Where(m => !m.Subject!.Contains("notification address", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), mails.Select(m => m.Subject!["[NasDash nas-test] ".Length..]).Order(StringComparer.Ordinal));
        Assert.All(mails, m => Assert.Equal(AliceMail, m.Headers["X-RcptTo"]));
        Assert.Contains("named 'YubiKey 5C'", mails.Single(m => m.Subject!.Contains("security key", StringComparison.Ordinal)).TextBody, StringComparison.Ordinal);
        Assert.Contains("Not you? Report it first: open https://nas-test:5443/report/",
            mails.Single(m => m.Subject!.Contains("new password", StringComparison.Ordinal)).TextBody, StringComparison.Ordinal);

        var hooks = (await RequestsAsync(receiver, 1 + expected.Length)).Skip(1).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString()).ToList();
        Assert.Equal(["administrator-created", "administrator-deleted", "authenticator-renewed", "password-change-required", "security-key-added"],
            hooks.Order(StringComparer.Ordinal));
        Assert.All(receiver.Received.Skip(1), r => Assert.False(r.Headers.ContainsKey("X-NasDash-Signature")));

        // The appliance's own target got every notice as before; bob, who has no address of his own, nothing more.
        await WaitUntilDoneAsync(core);
        Assert.All(expected, subject => Assert.Contains(smtp.Messages(), m => m.Headers["X-RcptTo"] == ApplianceMail && m.Subject!.EndsWith(subject, StringComparison.Ordinal)));
        Assert.DoesNotContain(smtp.Messages(), m => m.Headers["X-RcptTo"] == ApplianceMail && CodeIn().IsMatch(m.Subject ?? ""));
        var delivered = core.Audit("notify.delivered");
        Assert.Contains(delivered, e => e.Detail!.StartsWith($"security-key-added by email to alice's address {AliceMail} after 1 attempt(s)", StringComparison.Ordinal));
        Assert.Contains(delivered, e => e.Detail!.StartsWith($"security-key-added by webhook to alice's address http://127.0.0.1:{receiver.Port}/… after 1 attempt(s)", StringComparison.Ordinal));
        Assert.All(core.Notices().SelectMany(n => n.Deliveries).Select(d => d.Address).OfType<DeliveryAddress>(), a => Assert.Null(a.ProtectedUrl));
    }

    [Fact]
    public async Task AnAddressThatStopsAnswering_IsRetried_AndRaisesAnAlertPointingAtMyAccount()
    {
        using var receiver = new HttpReceiver(System.Net.HttpStatusCode.ServiceUnavailable);
        await using var core = new NotifyCore();
        var alice = core.AddAdministrator("alice");
        var service = core.As<MyAddressesService>(alice, Client);
        await StepUpAsync(core, alice, NotificationAddresses.AddPurpose);
        var added = await service.AddAsync(new MyAddressForm { Kind = AddressChoice.Gotify, Value = receiver.Url("/message?token=abc") }, Cancel);
        Assert.False(added.Sent!.Delivered);
        Assert.Equal("127.0.0.1 answered 503 Service Unavailable", added.Sent.Answer);
        var issued = Assert.IsType<AddressChange.CodeIssued>(added.Change);
        Assert.IsType<AddressChange.Confirmed>((await service.ConfirmAsync(issued.Row.Id, issued.Code, Cancel)).Change);

        await core.RecoverAsync(alice);

        var key = AlertKeys.NotifyFailingPrefix + DeliveryAddress.TargetOf(issued.Row.Id);
        await WaitForAsync(() => core.Store.Open().Any(a => a.Key == key));
        var alert = core.Store.Open().Single(a => a.Key == key);
        Assert.Contains("by webhook to alice's address http://127.0.0.1:", alert.Message, StringComparison.Ordinal);
        Assert.Contains("check the address on alice's My account page", alert.Message, StringComparison.Ordinal);
        Assert.Equal("/account", alert.ActionUrl);
        Assert.True(receiver.Received.Count >= 1 + NoticeSender.FailuresBeforeAlert);
    }

    private static AuditEvent Entry(string by, AuditName name, string detail) =>
        new() { At = DateTimeOffset.UtcNow, UserName = by, ClientAddress = Client, Event = name.Id, Outcome = "succeeded", Detail = detail };

    private static async Task StepUpAsync(NotifyCore core, SeededAdmin admin, StepUpPurpose purpose) =>
        Assert.Equal(StepUpOutcome.Accepted, await core.Get<StepUp>().VerifyAsync(admin.Id, await admin.NextCodeAsync(TimeProvider.System), purpose, Client, Cancel));

    // As /account does after its step-up: the new app's code, then the switch.
    private static async Task RenewAuthenticatorAsync(NotifyCore core, SeededAdmin admin)
    {
        var enrolments = core.Get<EnrolmentService>();
        var renewal = enrolments.StartAuthenticatorRenewal(admin.UserName);
        var code = new OtpNet.Totp(renewal.Secret).ComputeTotp(DateTime.UtcNow);
        Assert.Equal(TotpOutcome.Accepted, enrolments.VerifyTotp(renewal, code));
        Assert.IsType<EnrolmentResult.Completed>(await enrolments.CompleteRenewalAsync(renewal, admin.Id, confirmed: false, Client, Cancel));
    }

    // Every mail but the confirmation code's (maildir names do not sort by arrival within a second).
    private static IEnumerable<MimeMessage> Notices(IEnumerable<MimeMessage> mails) =>
        mails.Where(m => !m.Subject!.Contains("Confirmation code", StringComparison.Ordinal));

    private static async Task<IReadOnlyList<MimeMessage>> MailsToAsync(SmtpTestServer smtp, string recipient, int count)
    {
        await WaitForAsync(() => smtp.Messages().Count(m => m.Headers["X-RcptTo"] == recipient) >= count);
        return [.. smtp.Messages().Where(m => m.Headers["X-RcptTo"] == recipient)];
    }

    private static async Task<IReadOnlyList<ReceivedRequest>> RequestsAsync(HttpReceiver receiver, int count)
    {
        await WaitForAsync(() => receiver.Received.Count >= count);
        return receiver.Received;
    }

    private static Task WaitUntilDoneAsync(NotifyCore core) => WaitForAsync(() => core.Notices().All(n => n.DoneAt is not null));

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within the time allowed");
            await Task.Delay(50, Cancel);
        }
    }

    [GeneratedRegex(@"\b(\d{6})\b")]
    private static partial Regex CodeIn();
}
