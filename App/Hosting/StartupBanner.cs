using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace NasDash.Hosting;

internal static class StartupBanner
{
    /// <summary>Tells the person who just started the server where to go, and warns when sign-in cannot work there.</summary>
    public static void Print(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var options = app.Services.GetRequiredService<NasDashOptions>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupBanner).FullName!);
        logger.LogInformation("NasDash is running. Open {Urls} in a browser. Data directory: {DataDirectory}",
            string.Join(", ", addresses), options.DataDirectory);

        WarnAboutCheapHashing(logger, options);
        WarnAboutLeftFleet(logger, app.Services.GetRequiredService<IConfiguration>(), options);
        var secureCookies = options.Session.CookiesRequireHttps(app.Environment);
        var exposedPlainHttp = addresses.Where(IsPlainHttpBeyondLoopback).ToList();
        if (secureCookies && exposedPlainHttp.Count > 0 && options.TrustedProxies.Count == 0)
        {
            logger.LogWarning(
                "{Urls} is plain http. Browsers keep the session cookie only over https (or on localhost), so signing in " +
                "from another machine fails there. Listen on https (e.g. --urls https://0.0.0.0:8443; a self-signed " +
                "certificate is created in the data directory) or put a TLS proxy in front (NasDash:TrustedProxies).",
                string.Join(", ", exposedPlainHttp));
        }
    }

    /// <summary>A fleet still configured after `fleet leave` is ignored; say so, or the next person wonders why nothing is shared.</summary>
    private static void WarnAboutLeftFleet(ILogger logger, IConfiguration configuration, NasDashOptions options)
    {
        var fleet = configuration.GetSection("NasDash:Fleet:Etcd").Get<NasDash.Fleet.EtcdFleetOptions>();
        if (fleet?.IsConfigured == true && NasDash.Fleet.FleetMembership.Left(options.DataDirectory) is { } left)
        {
            logger.LogWarning("This appliance left its fleet (prefix {Prefix}) on {LeftAt:u}: it runs standalone and ignores NasDash:Fleet:Etcd while {Marker} exists. Remove the fleet settings from the configuration, or run \"nasdash console fleet join\" to join again.",
                left.Prefix, left.LeftAt, NasDash.Fleet.FleetMembership.LeftMarker(options.DataDirectory));
        }
    }

    /// <summary>The configured work factors are honoured as set; one below the recommended cost is said out loud.</summary>
    private static void WarnAboutCheapHashing(ILogger logger, NasDashOptions options)
    {
        if (options.PasswordIterations < NasDash.Security.Accounts.PasswordHashing.OwaspIterations)
        {
            logger.LogWarning("NasDash:PasswordIterations is {Iterations}, below the recommended {Recommended}: a stolen store's passwords are cheap to guess. Remove the setting outside tests.",
                options.PasswordIterations, NasDash.Security.Accounts.PasswordHashing.OwaspIterations);
        }

        if (options.BackupCodeIterations < NasDash.Security.Accounts.BackupCodes.DefaultIterations)
        {
            logger.LogWarning("NasDash:BackupCodeIterations is {Iterations}, below the recommended {Recommended}. Remove the setting outside tests.",
                options.BackupCodeIterations, NasDash.Security.Accounts.BackupCodes.DefaultIterations);
        }
    }

    public static bool IsPlainHttpBeyondLoopback(string address)
    {
        if (!address.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var host = BindingAddress.Parse(address).Host.Trim('[', ']');
        return !string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) &&
               !(IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
