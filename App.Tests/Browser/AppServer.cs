using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace NasDash.Tests.Browser;

/// <summary>
/// The real app on a free loopback port (Kestrel) with a fresh data directory, for browser and HTTP tests.
/// Environment "Testing" allows cheap password hashing; everything else is as in production.
/// </summary>
public sealed class AppServer : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Replaces services after the app registered its own (e.g. a fake TimeProvider).</param>
    public AppServer(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        DataDirectory = Path.Combine(Path.GetTempPath(), "nasdash-test-" + Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = DataDirectory,
            ["NasDash:HostName"] = "nas-test",
            ["NasDash:PasswordIterations"] = "1000",
            ["NasDash:BackupCodeIterations"] = "100",
            ["NasDash:Ssh:DropInDirectory"] = Path.Combine(DataDirectory, "sshd_config.d"),
            ["NasDash:Ssh:PidFile"] = Path.Combine(DataDirectory, "sshd.pid"),
            ["NasDash:Ssh:OathUsersFile"] = Path.Combine(DataDirectory, "users.oath"),
            // Dozens of servers start per run; their start-up chatter would bury the failures in CI's output.
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
            ["Logging:LogLevel:NasDash.Features.Setup.SetupService"] = "Error",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(0);
        StartServer();
        BaseUrl = ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    public string DataDirectory { get; }

    /// <summary>e.g. http://127.0.0.1:43127 (no trailing slash).</summary>
    public string BaseUrl { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
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
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
