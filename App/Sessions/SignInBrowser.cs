using System.Security.Cryptography;
using System.Text;

namespace NasDash.Sessions;

/// <summary>
/// Which browser a sign-in ticket belongs to: a random value in a short-lived, HttpOnly, SameSite=Strict cookie set
/// by the pages that hand tickets over (login, enrolment, my account). The page's circuit reads it when it opens and
/// stores it with the ticket (<see cref="NasDash.Security.SignIn.PendingSignIns.BindTicket"/>); /auth/complete redeems a ticket
/// only from a request that presents the same value. One administrator can therefore no longer sign a colleague's
/// browser into their own account by sending it their ticket (login CSRF): that browser holds another value.
/// A cookie, though, can be overwritten by a same-site sibling (another port of the appliance's host, a sibling
/// subdomain over plain http); so the redemption must also be posted by a NasDash page (<see cref="PostedByOwnPage"/>):
/// the browser writes Sec-Fetch-Site and Origin itself, and no page can forge either.
/// </summary>
public sealed class SignInBrowser(IHttpContextAccessor accessor)
{
    public const string CookieName = "nasdash.signin";

    /// <summary>Long enough for a sign-in or a password change started on a freshly loaded page; renewed on every load.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>The pages whose circuits receive sign-in tickets.</summary>
    public static readonly string[] HandoverPages = ["/login", "/enrol", "/account"];

    private const string RequestItem = "nasdash.signin.value";

    private string? _value;

    /// <summary>This circuit's browser value; null when the browser sent none.</summary>
    public string? Value => _value ??= Of(accessor.HttpContext);

    internal void Capture() => _value ??= Of(accessor.HttpContext);

    /// <summary>The value this request presents, or the one its response is setting.</summary>
    public static string? Of(HttpContext? http)
    {
        if (http is null)
        {
            return null;
        }

        if (http.Items.TryGetValue(RequestItem, out var issued) && issued is string value)
        {
            return value;
        }

        return http.Request.Cookies.TryGetValue(HostPrefixedCookies.NameFor(http, CookieName), out var presented) && !string.IsNullOrEmpty(presented)
            ? presented
            : null;
    }

    /// <summary>
    /// Whether the browser says this POST came from a NasDash page: Sec-Fetch-Site "same-origin" where the browser sends
    /// fetch metadata (https, localhost), else an Origin naming the host the request was sent to or one of NasDash's
    /// own origins (<paramref name="ownOrigins"/>, for a reverse proxy that rewrites the Host header). A sibling on
    /// another port is "same-site" and has its own origin, so it is refused; a request that carries neither is too.
    /// </summary>
    public static bool PostedByOwnPage(HttpContext http, IReadOnlySet<string> ownOrigins)
    {
        var site = http.Request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return string.Equals(site, "same-origin", StringComparison.Ordinal);
        }

        var origin = http.Request.Headers.Origin.ToString();
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return false;
        }

        return string.Equals(uri.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase) ||
               ownOrigins.Contains(NasDash.Security.SecurityKeys.RelyingParty.OriginOf(uri));
    }

    /// <summary>Constant time, so the comparison does not tell an attacker how much of a value they guessed.</summary>
    public static bool Matches(string? bound, string? presented) =>
        bound is not null && presented is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(bound), Encoding.UTF8.GetBytes(presented));

    /// <summary>Gives the browser its value on a GET of a hand-over page (keeping one it has) and renews its lifetime.</summary>
    internal static void IssueOnHandoverPage(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) ||
            !HandoverPages.Any(page => context.Request.Path.Equals(page, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        var value = Of(context) ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        context.Items[RequestItem] = value;
        context.Response.Cookies.Append(HostPrefixedCookies.NameFor(context, CookieName), value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = Lifetime,
            IsEssential = true,
        });
    }
}
