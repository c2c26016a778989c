using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using NasDash.Features.Ssh;
using NasDash.Hosting;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// The one way tests build NasDash's core: the app's own <see cref="CoreServices.AddNasDashCore"/> over
/// <see cref="Settings"/> in a temporary data directory. <see cref="CoreHarness"/>, the bUnit context, the SSH
/// core and <see cref="Browser.AppServer"/> all start from it.
/// </summary>
public sealed class TestCore : IDisposable
{
    public const string Host = "nas-test";

    public TestCore(string? dataDirectory = null)
    {
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "nasdash-test-" + Guid.NewGuid().ToString("N"));
    }

    public string DataDirectory { get; }

    /// <summary>Settings that relax production for tests (cheap work factors, cookies over plain http); "as shipped" leaves them out.</summary>
    public static readonly string[] Relaxations = ["NasDash:PasswordIterations", "NasDash:BackupCodeIterations", "NasDash:Session:SecureCookies"];

    /// <summary>
    /// The configuration every test starts from: this data directory, the test host name, cheap work factors, cookies
    /// over the loopback port's plain http, and every SSH path inside the data directory, so no test rewrites the
    /// machine's sshd or PAM configuration or signals its sshd.
    /// </summary>
    public static Dictionary<string, string?> Settings(string dataDirectory, int passwordIterations = 1000, int backupCodeIterations = 100)
    {
        var settings = new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = dataDirectory,
            ["NasDash:HostName"] = Host,
            ["NasDash:PasswordIterations"] = passwordIterations.ToString(CultureInfo.InvariantCulture),
            ["NasDash:BackupCodeIterations"] = backupCodeIterations.ToString(CultureInfo.InvariantCulture),
            ["NasDash:Session:SecureCookies"] = "false",
        };
        foreach (var (key, path) in SshSandbox(dataDirectory))
        {
            settings[key] = path;
        }

        return settings;
    }

    /// <summary>Every host path SSH control touches, under <paramref name="root"/>/ssh.</summary>
    public static Dictionary<string, string> SshSandbox(string root)
    {
        var sandbox = Path.Combine(root, "ssh");
        return new()
        {
            ["NasDash:Ssh:DropInDirectory"] = Path.Combine(sandbox, "sshd_config.d"),
            ["NasDash:Ssh:PidFile"] = Path.Combine(sandbox, "sshd.pid"),
            ["NasDash:Ssh:PamServiceFile"] = Path.Combine(sandbox, "pam.d", "sshd"),
            ["NasDash:Ssh:SshdConfigFile"] = Path.Combine(sandbox, "sshd_config"),
        };
    }

    /// <summary>Adds the core as the app does, with the given clock, hashing cost and configuration over <see cref="Settings"/>.</summary>
    public IServiceCollection AddTo(IServiceCollection services, TimeProvider time, int passwordIterations = 1000, int backupCodeIterations = 100,
        IDictionary<string, string?>? overrides = null)
    {
        var values = Settings(DataDirectory, passwordIterations, backupCodeIterations);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var environment = new TestingEnvironment(DataDirectory);
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(environment);
        services.AddNasDashCore(configuration, environment).AddSsh();
        services.AddSingleton(time);
        return services;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class TestingEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "NasDash";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
