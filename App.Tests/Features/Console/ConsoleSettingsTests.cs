using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using NasDash.Features.Console;
using NasDash.Hosting;

namespace NasDash.Tests.Features.Console;

/// <summary>The console reads the settings the web server would read, without building the web host (issue 25: start-up time).</summary>
public sealed class ConsoleSettingsTests
{
    [Fact]
    public void Load_SameContentRootEnvironmentAndSettingsAsTheWebBuilder()
    {
        var web = WebApplication.CreateBuilder(ContentRoot.Options([]));

        var (configuration, environment) = ConsoleSettings.Load();

        Assert.Equal(
            (web.Environment.ContentRootPath.TrimEnd('/'), web.Environment.EnvironmentName, web.Environment.ApplicationName),
            (environment.ContentRootPath.TrimEnd('/'), environment.EnvironmentName, environment.ApplicationName));
        Assert.Equal(Settings(web.Configuration), Settings(configuration));
        Assert.NotEmpty(Settings(configuration));
    }

    private static List<KeyValuePair<string, string?>> Settings(IConfiguration configuration) =>
        [.. configuration.AsEnumerable().Where(pair => pair.Key.StartsWith(NasDashOptions.Section, StringComparison.Ordinal) || pair.Key.StartsWith("Logging", StringComparison.Ordinal))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)];
}
