using NasDash.Security;

namespace NasDash.Features.Sessions;

/// <summary>
/// The device cookies of this browser (<see cref="DeviceCookies"/>), one per account that completed a sign-in here.
/// A circuit cannot read or set cookies later, so they are read from the request that opened it (as
/// <see cref="ClientAddress"/> is) and set by the ticket endpoint.
/// </summary>
public sealed class BrowserDevice(IHttpContextAccessor accessor)
{
    public const string CookiePrefix = "nasdash.device.";

    private IReadOnlyList<string>? _tokens;

    public IReadOnlyList<string> Tokens => _tokens ??= Read(accessor.HttpContext);

    internal void Capture() => _tokens ??= Read(accessor.HttpContext);

    public static string CookieName(Guid accountId) => CookiePrefix + accountId.ToString("N");

    public static IReadOnlyList<string> Read(HttpContext? http) =>
        http is null
            ? []
            : [.. http.Request.Cookies.Where(c => c.Key.StartsWith(CookiePrefix, StringComparison.Ordinal)).Select(c => c.Value).Take(DeviceCookies.MaxTokensRead)];

    /// <summary>
    /// Gives the browser a (renewed) device cookie for the account, keeping the device id of a valid one it holds.
    /// Long-lived, HttpOnly, SameSite=Strict, Secure outside Development; a sign-out leaves it in place.
    /// </summary>
    public static void Issue(HttpContext http, DeviceCookies devices, Account account, bool requireSecure, DateTimeOffset now)
    {
        var name = CookieName(account.Id);
        var known = http.Request.Cookies.TryGetValue(name, out var held) ? devices.Recognise(account, [held]) : null;
        http.Response.Cookies.Append(name, devices.Issue(account, known), new CookieOptions
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
