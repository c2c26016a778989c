using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Browser;

/// <summary>
/// The real app on a free loopback port (Kestrel) with a fresh data directory, for browser and HTTP tests.
/// Cheap hashing and cookies over plain http come from <see cref="TestCore.Settings"/>; with the environment
/// "Production" the server runs as shipped (those relaxations left out).
/// </summary>
public sealed class AppServer : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly string _environment;
    private readonly bool _ownsDataDirectory;

    /// <param name="services">Replaces services after the app registered its own (e.g. a fake TimeProvider).</param>
    /// <param name="environment">"Production" for the real cookie policy and hashing cost.</param>
    /// <param name="https">Serves https with the appliance's self-signed certificate instead of http.</param>
    /// <param name="dataDirectory">An earlier server's data directory, to start it again (the caller deletes it); a fresh one when null.</param>
    /// <param name="port">The loopback port to listen on (0: any free one), for origins that must be known before the start.</param>
    public AppServer(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null,
        string environment = "Testing", bool https = false, string? dataDirectory = null, int port = 0)
    {
        _services = services;
        _environment = environment;
        _ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "nasdash-test-" + Guid.NewGuid().ToString("N"));
        _settings = TestCore.Settings(DataDirectory);
        if (environment == "Production")
        {
            foreach (var relaxed in TestCore.Relaxations)
            {
                _settings.Remove(relaxed);
            }
        }

        // Dozens of servers start per run; their start-up chatter would bury the failures in CI's output.
        _settings["Logging:LogLevel:Default"] = "Warning";
        // Each server's own meter: OpenTelemetry listens by meter name across the process, and many servers share it here.
        _settings["NasDash:Metrics:MeterName"] = "NasDash.Test." + Guid.NewGuid().ToString("N");
        _settings["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error";
        _settings["Logging:LogLevel:NasDash.Features.Setup.SetupService"] = "Error";
        _settings["Logging:LogLevel:NasDash.Hosting.StartupBanner"] = "Error";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        if (https)
        {
            UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, port, listen => listen.UseHttps()));
        }
        else
        {
            UseKestrel(port);
        }

        StartServer();
        BaseUrl = ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    public string DataDirectory { get; }

    /// <summary>e.g. http://127.0.0.1:43127 (no trailing slash).</summary>
    public string BaseUrl { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        // Outside Development, static web assets (MudBlazor's CSS/JS) are only served from published output.
        builder.UseStaticWebAssets();
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!_ownsDataDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
