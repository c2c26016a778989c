using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace NasDash.Features.Notifications;

/// <summary>The dashboard's address in messages: configured, else where the server listens, under the appliance's name.</summary>
public sealed class DashboardAddress
{
    private readonly Func<string> _url;

    public DashboardAddress(NotificationConfiguration configuration, ApplianceIdentity appliance, IServiceProvider services) =>
        _url = () => configuration.DashboardUrl ?? FromServer(services, appliance) ?? $"https://{appliance.HostName}";

    private DashboardAddress(Func<string> url) => _url = url;

    public string Url => _url();

    public static DashboardAddress Fixed(string url) => new(() => url);

    private static string? FromServer(IServiceProvider services, ApplianceIdentity appliance)
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var chosen = addresses.FirstOrDefault(a => a.StartsWith("https:", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault();
        if (chosen is null || !Uri.TryCreate(chosen.Replace("://+", "://wildcard", StringComparison.Ordinal).Replace("://*", "://wildcard", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return null;
        }

        var host = uri.Host is "wildcard" or "0.0.0.0" or "[::]" or "::" ? appliance.HostName : uri.Host;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
    }
}
