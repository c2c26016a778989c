using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting.Internal;
using NasDash.Hosting;

namespace NasDash.Features.Console;

/// <summary>
/// The configuration and environment the web server would see, put together as <c>WebApplication.CreateBuilder</c> does
/// (DOTNET_ and ASPNETCORE_ host variables, the content root, appsettings.json, appsettings.{environment}.json, user
/// secrets in Development, environment variables) without building a host. The whole web builder costs a tenth to a
/// half of a second of start-up in every console verb, pam_nasdash.so's `ssh-code` fallback included (issue 25).
/// </summary>
public static class ConsoleSettings
{
    public static (IConfiguration Configuration, IHostEnvironment Environment) Load()
    {
        Func<string, string?> environmentVariable = Environment.GetEnvironmentVariable;
        var applicationDirectory = AppContext.BaseDirectory;

        // The host's own settings: ASPNETCORE_ outranks DOTNET_, as in WebApplicationBuilder.
        string? Host(string key) => environmentVariable($"ASPNETCORE_{key}") is { Length: > 0 } web ? web : environmentVariable($"DOTNET_{key}");
        var contentRoot = ContentRoot.For([], environmentVariable, applicationDirectory) ?? Host("CONTENTROOT") switch
        {
            { Length: > 0 } configured => Path.IsPathRooted(configured) ? configured : Path.Combine(Path.GetFullPath(applicationDirectory), configured),
            _ => Directory.GetCurrentDirectory(),
        };
        var environment = new HostingEnvironment
        {
            EnvironmentName = Host("ENVIRONMENT") is { Length: > 0 } name ? name : Environments.Production,
            ApplicationName = (System.Reflection.Assembly.GetEntryAssembly() ?? typeof(ConsoleSettings).Assembly).GetName().Name!,
            ContentRootPath = contentRoot,
            ContentRootFileProvider = new PhysicalFileProvider(contentRoot),
        };

        var builder = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .SetBasePath(contentRoot)
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
            .AddJsonFile($"appsettings.{environment.EnvironmentName}.json", optional: true, reloadOnChange: false);
        if (((IHostEnvironment)environment).IsDevelopment())
        {
            builder.AddUserSecrets(typeof(ConsoleSettings).Assembly, optional: true, reloadOnChange: false);
        }

        return (builder.AddEnvironmentVariables().Build(), environment);
    }
}
