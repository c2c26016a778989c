using Bunit;
using Microsoft.AspNetCore.Components.Web;
using NasDash.Features.MyAccount;
using NasDash.Tests.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.MyAccount;

/// <summary>The "My notification addresses" panel of /account: handles, messages next to the field, the step-up, the code's round trip.</summary>
public sealed class MyAddressesPanelTests : NasDashTestContext
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public void Panel_NoAddress_SaysNoticesGoOnlyToTheAlertServices()
    {
        SignIn(Seed("alice"));

        var cut = Render<MyAddressesPanel>();

        Assert.Contains("No address of your own yet", cut.Find("[data-testid=my-address-list]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=my-address-row]"));
        Assert.Empty(cut.FindAll("[data-testid=tf-step-up]"));
    }

    [Fact]
    public void Add_WithoutAMailServer_OffersAWebhookFirst_AndSaysWhatEmailNeeds()
    {
        SignIn(Seed("alice"));
        var cut = Render<MyAddressesPanel>();

        Click(cut, "my-address-add");
        Assert.Contains("Webhook: ntfy", cut.Find("[data-testid=my-address-kind]").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=my-address-email-unavailable]"));
        ChooseKind(cut, AddressChoice.Email);

        Assert.Equal(MyAddressesService.EmailNeedsMailServer, cut.Find("[data-testid=my-address-email-unavailable]").TextContent.Trim());
        Assert.Contains("System › Alert services", MyAddressesService.EmailNeedsMailServer, StringComparison.Ordinal);
    }

    public static TheoryData<AddressChoice, string, string> BadInput => new()
    {
        { AddressChoice.Email, "not-an-address", "Enter one address such as you@example.com." },
        { AddressChoice.Email, "Alice <alice@example.test>", "Enter one address such as you@example.com." },
        { AddressChoice.Email, new string('a', 300) + "@example.test", "That is too long: an email address has at most 254 characters." },
        { AddressChoice.Ntfy, "file:///etc/passwd", AddressRules.NotAWebAddress },
        { AddressChoice.Ntfy, "https://ntfy.example/a\u001b[2Jb", "An address cannot hold control characters or line breaks." },
        { AddressChoice.Slack, "https://hooks.example/" + new string('x', 2100), "That is too long: a webhook address has at most 2000 characters." },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Add_BadInput_SaysWhatIsWrongUnderTheField_AndSpendsNoAuthenticatorCode(AddressChoice kind, string value, string message)
    {
        var alice = Seed("alice");
        UseMailServer(SmtpTestServer.FreePort());
        SignIn(alice);
        var cut = Render<MyAddressesPanel>();

        Click(cut, "my-address-add");
        ChooseKind(cut, kind);
        InputOf(cut, "my-address-value").Input(value);
        await StepUpAsync(cut, alice);

        var field = InputOf(cut, "my-address-value").Closest(".mud-input-control")!;
        Assert.Contains(message, field.TextContent, StringComparison.Ordinal);
        Assert.Empty(Get<IAccountStore>().FindById(alice.Id)!.NotificationAddresses);
        Assert.Empty(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: AuditNames.StepUp.Id)));
    }

    [Fact]
    public async Task Add_AWrongAuthenticatorCode_AddsNothingAndSendsNothing()
    {
        using var receiver = new HttpReceiver();
        SignIn(Seed("alice"));
        var cut = Render<MyAddressesPanel>();

        Click(cut, "my-address-add");
        InputOf(cut, "my-address-value").Input(receiver.Url("/nasdash-topic"));
        InputOf(cut, "tf-step-up").Input("000000");
        await cut.Find("[data-testid=tf-step-up-confirm]").ClickAsync(new MouseEventArgs());

        Assert.Contains("That code is not valid", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=my-address-row]"));
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Add_AnNtfyWebhook_AfterTheStepUp_SendsItsCode_ThenTheCodeConfirmsIt()
    {
        using var receiver = new HttpReceiver();
        var alice = Seed("alice");
        SignIn(alice);
        var cut = Render<MyAddressesPanel>();

        Click(cut, "my-address-add");
        ChooseKind(cut, AddressChoice.Ntfy);
        InputOf(cut, "my-address-value").Input(receiver.Url("/nasdash-topic-7Hq2"));
        await StepUpAsync(cut, alice);

        var request = await receiver.WaitForOneAsync(Within);
        var code = System.Text.RegularExpressions.Regex.Match(request.Text, @"\b(\d{6})\b").Groups[1].Value;
        Assert.Equal("/nasdash-topic-7Hq2", request.PathAndQuery);
        Assert.StartsWith($"Confirmation code for alice on {Host}: {code}", request.Headers["Title"], StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Contains("A 6-digit code went to", cut.Find("[data-testid=my-address-sent]").TextContent, StringComparison.Ordinal));
        var row = cut.Find("[data-testid=my-address-row]");
        Assert.Equal("pending", row.GetAttribute("data-state"));
        Assert.Contains($"http://127.0.0.1:{receiver.Port}/…", row.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("nasdash-topic", cut.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(code, cut.Markup, StringComparison.Ordinal);

        InputOf(cut, "my-address-confirm-code").Input(code);
        await cut.Find("[data-testid=my-address-confirm]").ClickAsync(new MouseEventArgs());

        Assert.Equal("confirmed", cut.Find("[data-testid=my-address-row]").GetAttribute("data-state"));
        Assert.Contains("is confirmed: notices about your account go there too", cut.Find("[data-testid=my-address-done]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=my-address-confirm-code]"));
        Assert.True(Assert.Single(Get<IAccountStore>().FindById(alice.Id)!.NotificationAddresses).IsConfirmed);
    }

    [Fact]
    public async Task Add_AnEmailTheServerRefuses_SaysSo_AndAWrongCodeSaysHowManyTriesAreLeft()
    {
        var alice = Seed("alice");
        var port = SmtpTestServer.FreePort();
        UseMailServer(port);
        SignIn(alice);
        var cut = Render<MyAddressesPanel>();

        Click(cut, "my-address-add");
        InputOf(cut, "my-address-value").Input("alice@example.test");
        await StepUpAsync(cut, alice);

        cut.WaitForAssertion(() => Assert.Contains($"The code could not be sent to alice@example.test: refused: nothing accepts connections on 127.0.0.1:{port}",
            cut.Find("[data-testid=my-address-sent]").TextContent, StringComparison.Ordinal), Within);
        InputOf(cut, "my-address-confirm-code").Input("123456");
        await cut.Find("[data-testid=my-address-confirm]").ClickAsync(new MouseEventArgs());
        // The code never left the appliance: 123456 is wrong but for a one-in-a-million chance.
        Assert.Contains("That code is not right: 4 more tries for this code.", InputOf(cut, "my-address-confirm-code").Closest(".mud-input-control")!.TextContent,
            StringComparison.Ordinal);
        var stored = Assert.Single(Get<IAccountStore>().FindById(alice.Id)!.NotificationAddresses);
        Assert.False(stored.IsConfirmed);
        Assert.Equal("pending", cut.Find("[data-testid=my-address-row]").GetAttribute("data-state"));
    }

    [Fact]
    public async Task Remove_AfterTheStepUp_TakesTheAddressOffTheList()
    {
        var alice = Seed("alice");
        using var receiver = new HttpReceiver();
        var addresses = Get<NotificationAddresses>();
        Assert.Equal(StepUpOutcome.Accepted, await Get<StepUp>().VerifyAsync(alice.Id, await alice.NextCodeAsync(Time), NotificationAddresses.AddPurpose, null, Xunit.TestContext.Current.CancellationToken));
        var issued = Assert.IsType<AddressChange.CodeIssued>(await addresses.AddAsync(alice.Id, NotificationAddressKind.Webhook, WebhookPreset.Gotify, receiver.Url("/message?token=abc"), null,
            Xunit.TestContext.Current.CancellationToken));
        Assert.IsType<AddressChange.Confirmed>(await addresses.ConfirmAsync(alice.Id, issued.Row.Id, issued.Code, null, Xunit.TestContext.Current.CancellationToken));
        SignIn(alice);
        var cut = Render<MyAddressesPanel>();
        Assert.Contains("Webhook: Gotify", cut.Find("[data-testid=my-address-row]").TextContent, StringComparison.Ordinal);

        Click(cut, "my-address-remove");
        Assert.Single(Get<IAccountStore>().FindById(alice.Id)!.NotificationAddresses);
        await StepUpAsync(cut, alice);

        Assert.Empty(Get<IAccountStore>().FindById(alice.Id)!.NotificationAddresses);
        Assert.Empty(cut.FindAll("[data-testid=my-address-row]"));
        Assert.Contains("was removed", cut.Find("[data-testid=my-address-done]").TextContent, StringComparison.Ordinal);
        Assert.Equal("account.address-removed", Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: AuditNames.AccountAddressRemoved.Id))).Event);
    }

    [Fact]
    public async Task Add_WithFiveAddresses_IsNotOffered()
    {
        var alice = Seed("alice");
        UseMailServer(SmtpTestServer.FreePort());
        var addresses = Get<NotificationAddresses>();
        for (var i = 0; i < NotificationAddress.MaxPerAccount; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(StepUpOutcome.Accepted, await Get<StepUp>().VerifyAsync(alice.Id, await alice.NextCodeAsync(Time), NotificationAddresses.AddPurpose, null, Xunit.TestContext.Current.CancellationToken));
            Assert.IsType<AddressChange.CodeIssued>(await addresses.AddAsync(alice.Id, NotificationAddressKind.Email, WebhookPreset.Json, $"a{i}@example.test", null,
                Xunit.TestContext.Current.CancellationToken));
        }

        SignIn(alice);
        var cut = Render<MyAddressesPanel>();

        Assert.Equal(5, cut.FindAll("[data-testid=my-address-row]").Count);
        Assert.True(cut.Find("button[data-testid=my-address-add], [data-testid=my-address-add] button").HasAttribute("disabled"));
        Assert.Contains("remove one to add another", cut.Markup, StringComparison.Ordinal);
    }

    private void UseMailServer(int port)
    {
        var store = Get<INotificationSettingsStore>();
        var settings = store.GetNotificationSettings();
        settings.Email.Host = "127.0.0.1";
        settings.Email.Port = port;
        settings.Email.Security = SmtpSecurity.None;
        settings.Email.From = "nasdash@nas-test.example";
        settings.Email.To = ["owner@example.test"];
        store.SaveNotificationSettings(settings, new AuditEvent { At = Time.GetUtcNow(), Event = AuditNames.SettingsNotifications.Id, Outcome = "saved" });
    }

    private static void Click(IRenderedComponent<MyAddressesPanel> cut, string testId) =>
        cut.Find($"button[data-testid={testId}], [data-testid={testId}] button").Click();

    private static void ChooseKind(IRenderedComponent<MyAddressesPanel> cut, AddressChoice kind) =>
        cut.InvokeAsync(() => cut.FindComponent<MudBlazor.MudSelect<AddressChoice>>().Instance.ValueChanged.InvokeAsync(kind)).GetAwaiter().GetResult();
}
