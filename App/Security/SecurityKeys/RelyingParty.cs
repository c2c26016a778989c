using System.Net;

namespace NasDash.Security.SecurityKeys;

/// <summary>Why security keys cannot be used from a page's address, or that they can.</summary>
public enum SecurityKeyAvailability
{
    Available,
    /// <summary>Opened by IP address: a relying-party id must be a domain name.</summary>
    IpAddress,
    /// <summary>Plain http to a host other than localhost: browsers offer WebAuthn only in secure contexts.</summary>
    NotSecure,
    /// <summary>The page's host is neither the relying-party id nor one of its subdomains.</summary>
    OtherHost,
    /// <summary>The page's origin is not among the configured origins.</summary>
    OriginNotAllowed,
}

/// <summary>
/// The WebAuthn relying party: its id (a domain name every credential is bound to) and the page origins whose
/// ceremonies are accepted (NasDash:WebAuthn:RelyingPartyId and :Origins).
/// </summary>
public sealed record RelyingParty(string Id, IReadOnlySet<string> Origins, string Name)
{
    /// <summary>Whether a page at <paramref name="page"/> can run a WebAuthn ceremony for this relying party.</summary>
    public SecurityKeyAvailability AvailabilityFor(Uri page)
    {
        if (page.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || IPAddress.TryParse(page.IdnHost, out _))
        {
            return SecurityKeyAvailability.IpAddress;
        }

        var host = page.IdnHost.TrimEnd('.').ToLowerInvariant();
        var localhost = host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal);
        if (page.Scheme != Uri.UriSchemeHttps && !localhost)
        {
            return SecurityKeyAvailability.NotSecure;
        }

        var id = Id.ToLowerInvariant();
        if (host != id && !host.EndsWith("." + id, StringComparison.Ordinal))
        {
            return SecurityKeyAvailability.OtherHost;
        }

        return Origins.Contains(OriginOf(page), StringComparer.OrdinalIgnoreCase)
            ? SecurityKeyAvailability.Available
            : SecurityKeyAvailability.OriginNotAllowed;
    }

    /// <summary>
    /// The address to tell a person to open: an allowed origin where keys work, the one named like the id first (in a
    /// fleet, whose id is the parent domain, the first appliance's), with its port; https://id/ when none is allowed.
    /// </summary>
    public string AddressToOpen() =>
        Origins.Select(o => Uri.TryCreate(o, UriKind.Absolute, out var uri) ? (Origin: o, Uri: uri) : default)
            .Where(o => o.Uri is not null && AvailabilityFor(o.Uri) == SecurityKeyAvailability.Available)
            .OrderBy(o => o.Uri!.IdnHost.Equals(Id, StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .ThenBy(o => o.Origin, StringComparer.OrdinalIgnoreCase)
            .Select(o => o.Origin + "/")
            .FirstOrDefault() ?? $"https://{Id}/";

    /// <summary>scheme://host[:port], the port left out when it is the scheme's default, as browsers write an origin.</summary>
    public static string OriginOf(Uri uri) =>
        uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";

    /// <summary>
    /// The relying party from configuration, or the defaults: the appliance host name as id (localhost when the server
    /// listens on loopback addresses only, since no other name can reach it), and the addresses the server listens on,
    /// with the host name in place of a wildcard, as origins.
    /// </summary>
    public static RelyingParty From(string? configuredId, IEnumerable<string>? configuredOrigins, string hostName, IEnumerable<string> listeningAddresses)
    {
        var addresses = listeningAddresses.ToList();
        var defaultId = addresses.Count > 0 && addresses.All(IsLoopback) ? "localhost" : hostName.Trim().ToLowerInvariant();
        var id = string.IsNullOrWhiteSpace(configuredId) ? defaultId : configuredId.Trim().ToLowerInvariant();
        var configured = (configuredOrigins ?? []).Where(o => !string.IsNullOrWhiteSpace(o)).Select(o => o.Trim().TrimEnd('/')).ToList();
        var origins = configured.Count > 0
            ? configured
            : addresses.SelectMany(address => DefaultOrigins(address, hostName)).ToList();
        return new RelyingParty(id, new HashSet<string>(origins, StringComparer.OrdinalIgnoreCase), $"NasDash on {hostName}");
    }

    private static bool IsLoopback(string address) => Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.IsLoopback;

    // A loopback address is also reached as localhost, the one plain-http host browsers treat as secure.
    private static IEnumerable<string> DefaultOrigins(string address, string hostName)
    {
        var named = address.Replace("://*", "://" + hostName, StringComparison.Ordinal)
            .Replace("://+", "://" + hostName, StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://" + hostName, StringComparison.Ordinal)
            .Replace("://[::]", "://" + hostName, StringComparison.Ordinal);
        if (!Uri.TryCreate(named, UriKind.Absolute, out var uri))
        {
            yield break;
        }

        yield return OriginOf(uri);
        if (uri.IsLoopback && uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            yield return OriginOf(new UriBuilder(uri) { Host = "localhost" }.Uri);
        }
    }
}

/// <summary>Resolves the relying party once, on first use: the listening addresses are known only after the server started.</summary>
public sealed class RelyingPartySource(Func<RelyingParty> resolve)
{
    private readonly Lazy<RelyingParty> _current = new(resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    public RelyingParty Current => _current.Value;
}
