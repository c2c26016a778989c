using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace NasDash.Hosting;

internal static class StartupBanner
{
    /// <summary>Tells the person who just started the server where to go.</summary>
    public static void Print(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var options = app.Services.GetRequiredService<NasDashOptions>();
        app.Logger.LogInformation("NasDash is running. Open {Urls} in a browser. Data directory: {DataDirectory}",
            string.Join(", ", addresses), options.DataDirectory);
    }
}
