namespace NasDash.Features.Console;

public static class ConsoleFeature
{
    /// <summary>The running server's end of the local console: the admin socket in the data directory.</summary>
    public static IServiceCollection AddConsoleSocket(this IServiceCollection services) =>
        services.AddHostedService<ConsoleSocketServer>();
}
