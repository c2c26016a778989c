using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Hosting;

namespace NasDash.Benchmarks;

/// <summary>The security core as the app wires it, in Production on the shipped work factors, over a data directory of its own.</summary>
internal static class BenchmarkCore
{
    /// <param name="fleetEndpoints">Set: the records on that etcd cluster (fleet mode) instead of the LiteDB file.</param>
    public static ServiceProvider Build(string directory, TimeProvider clock, string? fleetEndpoints = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = directory,
            ["NasDash:HostName"] = "nas-bench",
            ["NasDash:Ssh:DropInDirectory"] = Path.Combine(directory, "sshd_config.d"),
            ["NasDash:Ssh:PidFile"] = Path.Combine(directory, "sshd.pid"),
            ["NasDash:Fleet:Etcd:Endpoints"] = fleetEndpoints,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddNasDashCore(configuration, new ProductionEnvironment(directory));
        services.AddSingleton(clock);
        return services.BuildServiceProvider();
    }
}
