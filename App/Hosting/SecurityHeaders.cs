using System.Net;

namespace NasDash.Hosting;

/// <summary>
/// The browser-side hardening every response carries (pages, static files, /healthz, redirects, the error page),
/// set in one place when the response starts so that nothing written later in the pipeline can miss it.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts come only from this origin and are never evaluated from strings; the circuit's WebSocket is the
    /// same origin ('self' covers ws: and wss: on it). style-src needs 'unsafe-inline': MudBlazor writes its layout
    /// and popover positions as style attributes (in prerendered HTML and in the circuit's DOM updates) and
    /// MudThemeProvider renders the palette as an inline &lt;style&gt; element that changes with dark mode, so neither a
    /// nonce nor a hash can cover them. Inline styles cannot run code; inline and injected scripts stay refused.
    /// base-uri is 'self', not 'none': Blazor resolves its routes and assets against &lt;base href="/"&gt;, and with the
    /// element ignored every page below the root (/settings/two-factor) would load /settings/_content/… and route wrongly.
    /// A base element pointing at another origin, the attack base-uri exists for, is still refused.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

    /// <summary>Powerful features the dashboard never uses, refused for it and for anything it could embed; security keys for itself only.</summary>
    public const string PermissionsPolicy =
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), geolocation=(), gyroscope=(), " +
        "hid=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), " +
        "publickey-credentials-create=(self), publickey-credentials-get=(self), screen-wake-lock=(), " +
        "serial=(), usb=(), xr-spatial-tracking=()";

    /// <summary>One year; no includeSubDomains, since an appliance's name says nothing about its neighbours' TLS.</summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                Apply(context);
                return Task.CompletedTask;
            });
            return next(context);
        });

    private static void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "SAMEORIGIN";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = PermissionsPolicy;
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (context.Request.IsHttps && !IsLoopback(context.Request.Host.Host))
        {
            headers.StrictTransportSecurity = StrictTransportSecurity;
        }
    }

    // HSTS is per host name, whatever the port: pinning localhost to https would break every other local http service.
    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ||
        (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
