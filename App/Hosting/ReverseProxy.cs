using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace NasDash.Hosting;

/// <summary>
/// Behind a reverse proxy every request comes from the proxy's address, which would make the per-address sign-in
/// throttle one global throttle and the audit log name the proxy. Only the proxies named in
/// <c>NasDash:TrustedProxies</c> may say who the client is (X-Forwarded-For, X-Forwarded-Proto); with none named,
/// the headers are ignored, so nobody can pick their own address by sending them.
/// </summary>
public static class ReverseProxy
{
    public const string ConfigurationKey = NasDashOptions.Section + ":" + nameof(NasDashOptions.TrustedProxies);

    public static IServiceCollection AddReverseProxy(this IServiceCollection services, IConfiguration configuration)
    {
        // NasDashOptions' validation has refused an entry Parse cannot read before anything asks for these options.
        services.AddOptions<ForwardedHeadersOptions>().Configure<NasDashOptions>((options, nasdash) =>
        {
            var trusted = Parse(nasdash.TrustedProxies);
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // One hop: the address the trusted proxy saw. Entries further left were written by the client.
            options.ForwardLimit = 1;
            // The defaults trust loopback; only what the administrator named is trusted here.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in trusted)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
        return services;
    }

    /// <summary>Honours forwarded headers only when at least one proxy is trusted; otherwise notices a proxy nobody named.</summary>
    public static IApplicationBuilder UseReverseProxy(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value.KnownIPNetworks.Count > 0)
        {
            return app.UseForwardedHeaders();
        }

        var untrusted = app.ApplicationServices.GetRequiredService<UntrustedForwarding>();
        return app.Use((context, next) =>
        {
            untrusted.Seen(context);
            return next(context);
        });
    }

    /// <summary>Addresses ("192.0.2.1", "::1") and networks ("10.0.0.0/8"); anything else stops the start with its value named.</summary>
    public static IReadOnlyList<IPNetwork> Parse(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0)
            {
                continue;
            }

            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new StartupRefusedException(
                    $"{ConfigurationKey} has '{entry}', which is neither an IP address nor a network like 10.0.0.0/8.");
            }
        }

        return networks;
    }
}
