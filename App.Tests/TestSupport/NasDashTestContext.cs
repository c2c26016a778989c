using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using MudBlazor.Services;
using NasDash.Hosting;
using NasDash.Security;
using NasDash.Storage;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// The shared bUnit context: MudBlazor with no transitions, loose JS interop, an interactive server renderer,
/// and the security core as the app wires it (<see cref="CoreServices.AddNasDashCore"/>) over a fresh data
/// directory, with a fake clock and cheap hashing.
/// </summary>
public abstract class NasDashTestContext : BunitContext
{
    /// <summary>2026-01-01T00:00:05Z: five seconds into a TOTP time step.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 5, TimeSpan.Zero);
    public const string Host = "nas-test";

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

        var values = new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = DataDirectory,
            ["NasDash:HostName"] = Host,
            ["NasDash:PasswordIterations"] = "1000",
            ["NasDash:BackupCodeIterations"] = "100",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Services.AddNasDashCore(configuration, new TestEnvironment(DataDirectory));
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddHttpContextAccessor();
        services?.Invoke(Services);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public FakeTimeProvider Time { get; } = new(Start);
    public string DataDirectory { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

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

    private sealed class TestEnvironment(string contentRoot) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "NasDash";
        public string ContentRootPath { get; set; } = contentRoot;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
