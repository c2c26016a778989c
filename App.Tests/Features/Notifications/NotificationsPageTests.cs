using Bunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Notifications;

public sealed class NotificationsPageTests() : NasDashTestContext(services: services =>
{
    services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["NasDash:Notifications:Webhook:Preset"] = "Gotify",
    }).Build());
    services.AddNotifications();
})
{
    private IRenderedComponent<NotificationsPage> RenderAs(SeededAdmin admin)
    {
        SignIn(admin);
        return Render<NotificationsPage>();
    }

    // The recipients field is a textarea; InputOf finds inputs only.
    private static AngleSharp.Dom.IElement Field(IRenderedComponent<NotificationsPage> cut, string testId) =>
        cut.Find($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea");

    private static void Type(IRenderedComponent<NotificationsPage> cut, string testId, string value) => Field(cut, testId).Input(value);

    private static void FillValidEmail(IRenderedComponent<NotificationsPage> cut, int port = 587)
    {
        Type(cut, "notify-email-host", "smtp.example.com");
        Type(cut, "notify-email-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Type(cut, "notify-email-from", "nas@example.com");
        Type(cut, "notify-email-to", "owner@example.com, deputy@example.com");
    }

    public static TheoryData<string, string, string> BadInput => new()
    {
        { "notify-email-host", "smtp example com", "Enter a host name such as smtp.example.com" },
        { "notify-email-host", "bad_host!", "Enter a host name such as smtp.example.com" },
        { "notify-email-port", "0", "The port must be between 1 and 65535" },
        { "notify-email-port", "70000", "The port must be between 1 and 65535" },
        { "notify-email-to", "owner@example.com, not-an-address", "Not an email address: not-an-address." },
        { "notify-webhook-url", "file:///etc/passwd", "Enter an http:// or https:// address of a server; files" },
        { "notify-webhook-url", "ftp://files.example.com/hook", "Enter an http:// or https:// address of a server; files" },
        { "notify-webhook-url", "/var/run/hook.sock", "Enter an http:// or https:// address of a server; files" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Save_BadInput_IsRefusedNextToItsFieldAndNothingIsSaved(string field, string value, string message)
    {
        var cut = RenderAs(Seed("alice"));
        FillValidEmail(cut);

        Type(cut, field, value);
        cut.Find("[data-testid=notify-save]").Click();

        var input = Field(cut, field);
        var fieldRoot = input.Closest(".mud-input-control")!;
        Assert.Contains(message, fieldRoot.TextContent, StringComparison.Ordinal);
        Assert.Contains("Not saved", cut.Find("[data-testid=notify-refused]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=tf-step-up]"));
        var stored = Get<INotificationSettingsStore>().GetNotificationSettings();
        Assert.Null(stored.Email.Host);
        Assert.Null(stored.Webhook.Url);
    }

    [Fact]
    public async Task Save_WithAFreshCode_SavesThePasswordEncryptedAndNeverShowsItAgain()
    {
        var alice = Seed("alice");
        var cut = RenderAs(alice);
        FillValidEmail(cut);
        Type(cut, "notify-email-user", "nas");
        Type(cut, "notify-email-password", "mail-pass-123");
        Type(cut, "notify-webhook-url", "https://ntfy.example.com/my-nas");

        cut.Find("[data-testid=notify-save]").Click();
        await StepUpAsync(cut, alice);

        var stored = Get<INotificationSettingsStore>().GetNotificationSettings();
        Assert.Equal("smtp.example.com", stored.Email.Host);
        Assert.Equal(["owner@example.com", "deputy@example.com"], stored.Email.To);
        Assert.Equal("https://ntfy.example.com/my-nas", stored.Webhook.Url);
        Assert.NotNull(stored.Email.ProtectedPassword);
        Assert.DoesNotContain("mail-pass-123", stored.Email.ProtectedPassword, StringComparison.Ordinal);
        Assert.Equal("mail-pass-123", Get<NotificationConfiguration>().Current().Email.Password);
        cut.WaitForAssertion(() => Assert.Equal("", InputOf(cut, "notify-email-password").GetAttribute("value") ?? ""));
        Assert.DoesNotContain("mail-pass-123", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("A password is saved (encrypted)", cut.Markup, StringComparison.Ordinal);
        var entry = Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "settings.notifications")));
        Assert.Equal("alice", entry.UserName);
        Assert.Contains("email password", entry.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("mail-pass-123", entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Email_StartTlsBesideAnUnusualPort_WarnsThatTheyDisagreeAndStillSaves()
    {
        var alice = Seed("alice");
        var cut = RenderAs(alice);
        FillValidEmail(cut);
        Assert.Empty(cut.FindAll("[data-testid=notify-email-port-warning]"));

        Type(cut, "notify-email-port", "6102");

        Assert.Equal("STARTTLS usually runs on port 587 (or 25), not 6102. Check your mail server's settings; Send test shows whether they work together.",
            cut.Find("[data-testid=notify-email-port-warning]").TextContent.Trim());
        cut.Find("[data-testid=notify-save]").Click();
        await StepUpAsync(cut, alice);
        Assert.Equal(6102, Get<INotificationSettingsStore>().GetNotificationSettings().Email.Port);
    }

    [Theory]
    [InlineData(587, SmtpSecurity.StartTls, false)]
    [InlineData(25, SmtpSecurity.StartTls, false)]
    [InlineData(465, SmtpSecurity.StartTls, true)]
    [InlineData(465, SmtpSecurity.ImplicitTls, false)]
    [InlineData(587, SmtpSecurity.ImplicitTls, true)]
    [InlineData(2525, SmtpSecurity.None, false)]
    [InlineData(587, SmtpSecurity.None, true)]
    public void PortWarning_PortAndSecurity_WarnOnlyWhenTheyDoNotUsuallyGoTogether(int port, SmtpSecurity security, bool warns)
    {
        Assert.Equal(warns, NotificationsFormValidator.PortWarning(port, security) is not null);
        Assert.Empty(NotificationsFormValidator.Errors(new NotificationsForm { EmailPort = port, EmailSecurity = security }));
    }

    [Fact]
    public async Task Save_WrongCode_SavesNothing()
    {
        var cut = RenderAs(Seed("alice"));
        FillValidEmail(cut);

        cut.Find("[data-testid=notify-save]").Click();
        InputOf(cut, "tf-step-up").Input("000000");
        await cut.Find("[data-testid=tf-step-up-confirm]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        Assert.Contains("That code is not valid", cut.Markup, StringComparison.Ordinal);
        Assert.Null(Get<INotificationSettingsStore>().GetNotificationSettings().Email.Host);
    }

    [Fact]
    public async Task Service_SaveWithoutAStepUp_IsRefused()
    {
        SignIn(Seed("alice"));
        var form = new NotificationsForm { EmailHost = "smtp.example.com", EmailFrom = "nas@example.com", EmailTo = "owner@example.com" };

        var result = await Get<NotificationsService>().SaveAsync(form);

        Assert.IsType<SaveNotificationsResult.StepUpRequired>(result);
        Assert.Null(Get<INotificationSettingsStore>().GetNotificationSettings().Email.Host);
    }

    [Fact]
    public void ValueFromConfiguration_IsShownReadOnlyWithWhereItComesFrom()
    {
        var cut = RenderAs(Seed("alice"));

        var preset = cut.Find("[data-testid=notify-webhook-preset]").Closest(".mud-input-control")!;
        Assert.Contains("Set in configuration (NasDash:Notifications:Webhook:Preset)", preset.TextContent, StringComparison.Ordinal);
        Assert.Contains("Gotify", preset.TextContent, StringComparison.Ordinal);
        Assert.Contains("mud-disabled", preset.InnerHtml, StringComparison.Ordinal);
        Assert.Null(InputOf(cut, "notify-email-host").GetAttribute("disabled"));
    }

    [Fact]
    public async Task SendTestEmail_ShowsTheServersAnswer()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        var cut = RenderAs(Seed("alice"));
        FillValidEmail(cut, smtp.Port);
        Type(cut, "notify-email-host", "127.0.0.1");
        await cut.InvokeAsync(() => cut.FindComponent<MudBlazor.MudSelect<SmtpSecurity>>().Instance.ValueChanged.InvokeAsync(SmtpSecurity.None));

        await cut.Find("[data-testid=notify-test-email]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        cut.WaitForAssertion(() => Assert.Contains("127.0.0.1 accepted the mail for owner@example.com, deputy@example.com",
            cut.Find("[data-testid=notify-test-email-result]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        var mail = Assert.Single(await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("[NasDash nas-test] Test notice from nas-test", mail.Subject);
    }

    [Fact]
    public async Task SendTestEmail_NothingListening_SaysRefused()
    {
        var port = SmtpTestServer.FreePort();
        var cut = RenderAs(Seed("alice"));
        FillValidEmail(cut, port);
        Type(cut, "notify-email-host", "127.0.0.1");

        await cut.Find("[data-testid=notify-test-email]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        cut.WaitForAssertion(() => Assert.Equal($"refused: nothing accepts connections on 127.0.0.1:{port}",
            cut.Find("[data-testid=notify-test-email-result]").TextContent.Trim()), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task SendTestWebhook_ShowsTheStatusCodeAndReasonButNeverTheBody()
    {
        using var receiver = new HttpReceiver(System.Net.HttpStatusCode.Forbidden);
        var cut = RenderAs(Seed("alice"));
        Type(cut, "notify-webhook-url", receiver.Url("/hook"));

        await cut.Find("[data-testid=notify-test-webhook]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        cut.WaitForAssertion(() => Assert.Equal("127.0.0.1 answered 403 Forbidden",
            cut.Find("[data-testid=notify-test-webhook-result]").TextContent.Trim()), TimeSpan.FromSeconds(20));
        Assert.DoesNotContain("42", cut.Find("[data-testid=notify-test-webhook-result]").TextContent, StringComparison.Ordinal);
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task SendTestWebhook_RedirectToLoopback_SaysNotFollowedAndTheSecondServerIsNeverHit()
    {
        using var inside = new HttpReceiver();
        using var receiver = new HttpReceiver(System.Net.HttpStatusCode.Found, location: inside.Url("/private"));
        var cut = RenderAs(Seed("alice"));
        Type(cut, "notify-webhook-url", receiver.Url("/hook"));

        await cut.Find("[data-testid=notify-test-webhook]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        cut.WaitForAssertion(() => Assert.Equal($"127.0.0.1 answered 302 Found: redirect to {inside.Url("/private")} not followed",
            cut.Find("[data-testid=notify-test-webhook-result]").TextContent.Trim()), TimeSpan.FromSeconds(20));
        Assert.Single(receiver.Received);
        Assert.Empty(inside.Received);
    }
}
