namespace NasDash.Configuration;

/// <summary>
/// Where the host finds wwwroot and appsettings.json. A published NasDash uses its own directory, wherever it is started
/// from; `--contentRoot`, ASPNETCORE_CONTENTROOT or DOTNET_CONTENTROOT still decide when given. A build output (its
/// static web assets manifest names the project's folders) keeps the working directory, where `dotnet run` starts it.
/// </summary>
public static class ContentRoot
{
    public static WebApplicationOptions Options(string[] args) =>
        new() { Args = args, ContentRootPath = For(args, Environment.GetEnvironmentVariable, AppContext.BaseDirectory) };

    /// <returns>The directory to use, or null to leave the choice to the host's defaults and configuration.</returns>
    public static string? For(string[] args, Func<string, string?> environment, string applicationDirectory)
    {
        var configured = args.Any(arg => arg.TrimStart('-', '/').StartsWith("contentRoot", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(environment("ASPNETCORE_CONTENTROOT"))
            || !string.IsNullOrEmpty(environment("DOTNET_CONTENTROOT"));
        var buildOutput = File.Exists(Path.Combine(applicationDirectory, $"{typeof(ContentRoot).Assembly.GetName().Name}.staticwebassets.runtime.json"));
        return configured || buildOutput ? null : applicationDirectory;
    }
}
