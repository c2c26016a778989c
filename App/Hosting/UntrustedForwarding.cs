namespace NasDash.Hosting;

/// <summary>
/// Requests that carry X-Forwarded-For while no proxy is trusted: a reverse proxy nobody named in
/// <c>NasDash:TrustedProxies</c>. NasDash then sees every browser as that proxy, so the per-address throttle treats
/// everyone behind it as one client. Noticed once: a warning in the log, and a notice on the dashboard.
/// </summary>
public sealed partial class UntrustedForwarding(ILogger<UntrustedForwarding> log)
{
    private string? _proxy;

    /// <summary>The address that sent the first such request; null while none came.</summary>
    public string? Proxy => Volatile.Read(ref _proxy);

    /// <summary>The dashboard's sentence, or null.</summary>
    public string? Notice => Proxy is { } proxy
        ? $"NasDash sees every browser as {proxy}: requests arrive through a proxy that is not trusted, so its X-Forwarded-For is ignored " +
          $"and everyone behind it shares one address for the sign-in throttle. Set {ReverseProxy.ConfigurationKey} to that proxy's address."
        : null;

    public void Seen(HttpContext http)
    {
        if (Proxy is not null || !http.Request.Headers.ContainsKey("X-Forwarded-For"))
        {
            return;
        }

        var proxy = Sessions.ClientAddress.Of(http) ?? "an unknown address";
        if (Interlocked.CompareExchange(ref _proxy, proxy, null) is null)
        {
            Warn(log, proxy, ReverseProxy.ConfigurationKey);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Requests from {Proxy} carry X-Forwarded-For, but no proxy is trusted: NasDash sees every browser behind it as {Proxy}. Set {Key} to the proxy's address.")]
    private static partial void Warn(ILogger logger, string proxy, string key);
}
