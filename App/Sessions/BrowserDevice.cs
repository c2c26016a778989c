
namespace NasDash.Sessions;

/// <summary>
/// The device cookies of this browser (<see cref="DeviceCookies"/>), one per account that completed a sign-in here,
/// named <c>nasdash.device.&lt;account id&gt;</c> (<c>__Host-</c> prefixed over https, so no sibling host or plain-http
/// page can plant one). A circuit cannot read or set cookies later, so they are read from the request that opened it
/// (as <see cref="ClientAddress"/> is) and set by the ticket endpoint. The sign-in opens only the one named for the
/// account (<see cref="DeviceCookieJar"/>).
/// </summary>
public sealed class BrowserDevice(IHttpContextAccessor accessor)
{
    private DeviceCookieJar? _cookies;

    public DeviceCookieJar Cookies => _cookies ??= Read(accessor.HttpContext);

    internal void Capture() => _cookies ??= Read(accessor.HttpContext);

    /// <summary>
    /// Every device cookie the request carries, duplicates of one name included (a copy planted with a longer path is
    /// sent first and would otherwise hide the real one). Over https only the <c>__Host-</c> names count.
    /// </summary>
    public static DeviceCookieJar Read(HttpContext? http)
    {
        if (http is null || !Microsoft.Net.Http.Headers.CookieHeaderValue.TryParseList([.. http.Request.Headers.Cookie.OfType<string>()], out var cookies))
        {
            return DeviceCookieJar.Empty;
        }

        var prefix = HostPrefixedCookies.NameFor(http, "");
        return DeviceCookieJar.Of(cookies
            .Where(c => c.Name.HasValue && c.Name.Value!.StartsWith(prefix + DeviceCookieJar.NamePrefix, StringComparison.Ordinal))
            .Select(c => new KeyValuePair<string, string>(c.Name.Value![prefix.Length..], c.Value.Value ?? "")));
    }

    /// <summary>
    /// Gives the browser a (renewed) device cookie for the account, keeping the device id of a valid one it holds.
    /// Long-lived, HttpOnly, SameSite=Strict, Secure outside Development; a sign-out leaves it in place.
    /// </summary>
    public static void Issue(HttpContext http, DeviceCookies devices, Account account, bool requireSecure, DateTimeOffset now)
    {
        var known = devices.Recognise(account, Read(http).For(account.Id));
        http.Response.Cookies.Append(HostPrefixedCookies.NameFor(http, DeviceCookieJar.NameFor(account.Id)), devices.Issue(account, known), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = requireSecure || http.Request.IsHttps,
            Path = "/",
            IsEssential = true,
            Expires = now + DeviceCookies.Lifetime,
        });
    }
}
