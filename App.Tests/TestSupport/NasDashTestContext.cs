using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using MudBlazor.Services;
using NasDash.Features.Alerts;
using NasDash.Features.Audit;
using NasDash.Features.Dashboard;
using NasDash.Features.GlobalTwoFactor;
using NasDash.Features.Login;
using NasDash.Features.MyAccount;
using NasDash.Features.Notifications;
using NasDash.Features.SecurityKeys;
using NasDash.Features.Users;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// The shared bUnit context: MudBlazor with no transitions, loose JS interop, an interactive server renderer,
/// and the security core as the app wires it (<see cref="CoreServices.AddNasDashCore"/>) over a fresh data
/// directory, with a fake clock and cheap hashing; the administration features' services; a signed-in
/// administrator through <see cref="SignIn"/>.
/// </summary>
public abstract class NasDashTestContext : BunitContext
{
    /// <summary>2026-01-01T00:00:05Z: five seconds into a TOTP time step.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 5, TimeSpan.Zero);
    public const string Host = TestCore.Host;

    private readonly TestCore _core;

    /// <param name="settings">Configuration over the defaults, e.g. "NasDash:Setup:RequireToken".</param>
    /// <param name="services">Further registrations: bUnit refuses any once the first component rendered.</param>
    protected NasDashTestContext(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "nasdash-bunit", Guid.NewGuid().ToString("N"));
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
            options.PopoverOptions.CheckForPopoverProvider = false;
        });

        _core = new TestCore(DataDirectory);
        _core.AddTo(Services, Time, overrides: settings);
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddHttpContextAccessor();
        Services.AddAlerts().AddAuditLog().AddDashboard().AddTwoFactorSettings().AddUsers().AddMyAccount();
        Services.AddScoped<ClientAddress>();
        Services.AddScoped<NasDash.Components.Layout.ThemeChoice>();
        Services.AddScoped<SignInBrowser>();
        Services.AddScoped<BrowserDevice>();
        Services.AddScoped<CurrentActor>();
        Services.AddScoped<SessionRenewal>();
        Services.AddLogin();
        Services.AddSecurityKeys();
        // The account page's own addresses send their codes through the alert services' channels.
        Services.AddNotifications();
        services?.Invoke(Services);
        Authorization = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public WallStepClock Time { get; } = new(Start);
    public string DataDirectory { get; }

    /// <summary>The ticket form TicketRedemption rendered and had the browser post: its ticket and return URL.</summary>
    public (string Ticket, string ReturnUrl) PostedTicket(IRenderedComponent<IComponent> cut)
    {
        var form = cut.WaitForElement("[data-testid=ticket-redemption]");
        Assert.Equal(SessionsFeature.CompletePath, form.GetAttribute("action"));
        Assert.Equal("post", form.GetAttribute("method"));
        JSInterop.VerifyInvoke("nasdash.submitForm");
        return (form.QuerySelector("input[name=ticket]")!.GetAttribute("value")!, form.QuerySelector("input[name=returnUrl]")!.GetAttribute("value")!);
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>bUnit's authorization: anonymous until <see cref="SignIn"/>.</summary>
    public BunitAuthorizationContext Authorization { get; }

    public SeededAdmin Seed(string userName) => TestAdministrators.Seed(Services, userName);

    /// <summary>Signs the rendered components in as this administrator (the claims the session cookie carries).</summary>
    /// <param name="sessionId">The session's id claim, for what is kept per session (e.g. the password-change budget).</param>
    public void SignIn(SeededAdmin admin, string? sessionId = null)
    {
        Authorization.SetAuthorized(admin.UserName);
        Authorization.SetClaims(ActingAdministrator.Claims(admin, sessionId));
    }

    /// <summary>The browser's address as the circuit's first request carries it (what <see cref="ClientAddress"/> captures).</summary>
    public void ConnectFrom(string address) =>
        Get<IHttpContextAccessor>().HttpContext = new DefaultHttpContext { Connection = { RemoteIpAddress = System.Net.IPAddress.Parse(address) } };

    /// <summary>Types a fresh authenticator code into the step-up field and confirms it.</summary>
    public async Task StepUpAsync<TComponent>(IRenderedComponent<TComponent> cut, SeededAdmin admin)
        where TComponent : IComponent
    {
        InputOf(cut, "tf-step-up").Input(await admin.NextCodeAsync(Time));
        await cut.Find("[data-testid=tf-step-up-confirm]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
    }

    /// <summary>The input carrying a handle; MudBlazor puts a field's data-testid on its input element.</summary>
    public static AngleSharp.Dom.IElement InputOf<TComponent>(IRenderedComponent<TComponent> cut, string testId)
        where TComponent : IComponent =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input");

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _core.Dispose();
    }
}
