using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace NasDash.Benchmarks;

/// <summary>The host environment the benchmarks build the core in: Production, rooted at their temporary directory.</summary>
internal sealed class ProductionEnvironment(string root) : IHostEnvironment
{
    public string EnvironmentName { get; set; } = Environments.Production;
    public string ApplicationName { get; set; } = "NasDash";
    public string ContentRootPath { get; set; } = root;
    public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
}
