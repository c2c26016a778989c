using Microsoft.Extensions.Options;
using MudBlazor.Services;
using NasDash.Components;
using NasDash.Features.Alerts;
using NasDash.Features.Api;
using NasDash.Features.Audit;
using NasDash.Features.Console;
using NasDash.Features.Dashboard;
using NasDash.Features.GlobalTwoFactor;
using NasDash.Features.MyAccount;
using NasDash.Features.Report;
using NasDash.Features.Users;
using NasDash.Features.Health;
using NasDash.Features.Login;
using NasDash.Features.Metrics;
using NasDash.Features.Notifications;
using NasDash.Features.Setup;
using NasDash.Features.SecurityKeys;
using NasDash.Features.Ssh;
using NasDash.Hosting;
using NasDash.Storage;

if (HelpAndVersion.Requested(args) is { } flag)
{
    return await HelpAndVersion.PrintAsync(flag, ConsoleIo.System());
}

if (ConsoleMode.IsRequested(args))
{
    ConsoleMode.InterpretDynamicCode();
    return await ConsoleMode.RunAsync(args);
}

return await RunServerAsync(args);

// Its own method, so that the top-level code names no web type: the console verbs (pam_nasdash.so's ssh-code fallback
// among them) never load the web host's assemblies.
static async Task<int> RunServerAsync(string[] args)
{
    try
    {
        var app = BuildApp(args);
        app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
        await app.RunAsync();
        return 0;
    }
    catch (Exception ex) when (ex is StartupRefusedException or StoreLockedException or StoreRefusedException or OptionsValidationException
        or IOException or UnauthorizedAccessException)
    {
        // One line and exit 1, which the unit's StartLimitBurst counts; a stack trace would only bury what to do.
        await Console.Error.WriteLineAsync($"nasdash: {ex.Message}");
        return 1;
    }
}

static WebApplication BuildApp(string[] args)
{
    var app = BuildServices(args);

    // Check the options and open the store now: either must stop the start, not the first request. The store opens
    // (file, mapper, migrations, checkpoint) on another core while the pipeline is put together, about a tenth of a cold start.
    _ = app.Services.GetRequiredService<IOptions<NasDashOptions>>().Value;
    var storeOpened = Task.Run(() => app.Services.GetRequiredService<IStoreEngine>());
    ConfigurePipeline(app);
    storeOpened.GetAwaiter().GetResult();
    return app;
}

static void ConfigurePipeline(WebApplication app)
{
    app.UseSecurityHeaders();
    app.UseReverseProxy();

    app.UseErrorPages(app.Environment);
    app.UseSetupRedirect();
    app.UseSignInBrowser();
    app.UseAuthentication();
    app.UseAuthorization();
    app.UseAntiforgery();

    app.MapStaticAssets();
    app.MapHealthEndpoints();
    app.MapSessionEndpoints();
    app.MapReportEndpoints();
    app.MapApiEndpoints();
    app.MapMetrics();
    // SecurityHeaders sends the whole Content-Security-Policy, frame-ancestors included.
    app.MapRazorComponents<App>().AddInteractiveServerRenderMode(server => server.ContentSecurityFrameAncestorsPolicy = null);
}

static WebApplication BuildServices(string[] args)
{
    var builder = WebApplication.CreateBuilder(ContentRoot.Options(args));
    // Type=notify and journald log levels under systemd; does nothing elsewhere.
    builder.Host.UseSystemd();

    builder.Services.AddNasDashCore(builder.Configuration, builder.Environment);
    builder.Services.AddSsh();
    builder.Services.AddReverseProxy(builder.Configuration);
    builder.Services.AddSessions(builder.Environment);
    builder.Services.AddSetup();
    builder.Services.AddHealth();
    builder.Services.AddConsoleSocket();
    builder.Services.AddAlerts().AddAuditLog().AddDashboard().AddTwoFactorSettings().AddUsers().AddMyAccount();
    builder.Services.AddLogin();
    builder.Services.AddSecurityKeys();
    builder.Services.AddNotifications();
    builder.Services.AddApi().AddPrometheusMetrics(builder.Configuration);
    builder.Services.AddMudServices();
    builder.Services.AddScoped<NasDash.Components.Layout.ThemeChoice>();
    builder.Services.AddHttpContextAccessor();
    builder.Services.AddRazorComponents().AddInteractiveServerComponents(circuits =>
    {
        // A circuit holds one to two megabytes; an appliance has a handful of administrators, so a few dozen
        // disconnected circuits (phones between networks) is plenty, where the default 100 could keep ~150 MB.
        circuits.DisconnectedCircuitMaxRetained = 32;
    });
    builder.Services.AddSingleton<ApplianceCertificate>();
    ApplianceCertificate.UseForHttpsWithoutCertificate(builder);

    return builder.Build();
}

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
