using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using NasDash.Hosting;

namespace NasDash.Tests.TestSupport;

/// <summary>The real core (store, security services) in a temporary data directory, for tests without a server.</summary>
public sealed class TestCore : IDisposable
{
    public TestCore()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "nasdash-test-" + Guid.NewGuid().ToString("N"));
    }

    public string DataDirectory { get; }

    /// <summary>Adds the core as the app does, with the given clock and hashing cost.</summary>
    public IServiceCollection AddTo(IServiceCollection services, TimeProvider time, int passwordIterations = 1000, int backupCodeIterations = 100)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = DataDirectory,
            ["NasDash:HostName"] = "nas-test",
            ["NasDash:PasswordIterations"] = passwordIterations.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NasDash:BackupCodeIterations"] = backupCodeIterations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        services.AddLogging();
        services.AddNasDashCore(configuration, new TestingEnvironment(DataDirectory));
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
    }

    private sealed class TestingEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "NasDash";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
