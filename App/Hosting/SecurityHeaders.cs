using System.Net;

namespace NasDash.Hosting;

/// <summary>
/// The browser-side hardening of every response (pages, static files, /healthz, redirects, the error page), set in one
/// place when the response starts so that nothing written later in the pipeline can miss it. nosniff, Referrer-Policy
/// and HSTS go on every response. The policies a browser applies only to a document it shows (CSP, Permissions-Policy,
/// X-Frame-Options, COOP) go on every response that can become one: HTML, SVG, XML, anything without a type, and every
/// redirect and error. A stylesheet, script, JSON or plain-text response is never a document under nosniff (a browser
/// shows it as text), so there those policies would protect nothing, and their 700 bytes a response were 7 KB of /login's first load.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts come only from this origin and are never evaluated from strings; the circuit's WebSocket is the
    /// same origin ('self' covers ws: and wss: on it). style-src needs 'unsafe-inline': MudBlazor writes its layout
    /// and popover positions as style attributes, in prerendered HTML and in the circuit's DOM updates, so neither a
    /// nonce nor a hash can cover them (the palette is a file, css/theme.css). Inline styles cannot run code; inline and injected scripts stay refused.
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
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (MayBecomeDocument(context.Response))
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "SAMEORIGIN";
            headers["Permissions-Policy"] = PermissionsPolicy;
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
        }

        if (context.Request.IsHttps && !IsLoopback(context.Request.Host.Host))
        {
            headers.StrictTransportSecurity = StrictTransportSecurity;
        }
    }

    /// <summary>Only a successful response of a type that nosniff keeps from ever being rendered as a page is not.</summary>
    public static bool MayBecomeDocument(HttpResponse response)
    {
        if (response.StatusCode is < 200 or >= 300 || string.IsNullOrEmpty(response.ContentType))
        {
            return true;
        }

        var type = response.ContentType.Split(';', 2)[0].Trim();
        return !NeverDocuments.Contains(type) && !type.StartsWith("font/", StringComparison.OrdinalIgnoreCase) &&
               !(type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) && !type.Equals("image/svg+xml", StringComparison.OrdinalIgnoreCase));
    }

    private static readonly HashSet<string> NeverDocuments = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/css", "text/javascript", "application/javascript", "application/json", "text/plain", "application/wasm", "application/octet-stream",
    };

    // HSTS is per host name, whatever the port: pinning localhost to https would break every other local http service.
    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ||
        (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
