using Microsoft.AspNetCore.Authentication.Cookies;

namespace NasDash.Sessions;

/// <summary>
/// Over https a cookie named <c>__Host-…</c> is one the browser accepts only with Secure, Path=/ and no Domain, so
/// no other host of the network (a sibling under the same domain, a plain-http page) can plant or shadow it. Over
/// plain http (development, localhost) the browser would refuse the prefix, so the bare name is used there.
/// </summary>
public sealed class HostPrefixedCookies : ICookieManager
{
    public const string Prefix = "__Host-";

    private readonly ChunkingCookieManager _chunks = new();

    public static string NameFor(HttpContext context, string name) => context.Request.IsHttps ? Prefix + name : name;

    public string? GetRequestCookie(HttpContext context, string key) => _chunks.GetRequestCookie(context, NameFor(context, key));

    public void AppendResponseCookie(HttpContext context, string key, string? value, CookieOptions options) =>
        _chunks.AppendResponseCookie(context, NameFor(context, key), value, options);

    public void DeleteCookie(HttpContext context, string key, CookieOptions options) =>
        _chunks.DeleteCookie(context, NameFor(context, key), options);
}
