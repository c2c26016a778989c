namespace NasDash.Security.SignIn;

/// <summary>
/// The device cookies a browser presented, by exact name: <c>nasdash.device.&lt;account id&gt;</c>. Only the cookie
/// named for the account being signed in to is ever opened, so cookies planted under other names with the same
/// prefix (by a sibling site, or with a longer path that makes the browser send them first) hide nothing. A name sent
/// more than once keeps each of its values (a planted one cannot shadow the real one), up to
/// <see cref="DeviceCookies.MaxTokensRead"/>.
/// </summary>
public sealed class DeviceCookieJar
{
    public const string NamePrefix = "nasdash.device.";

    public static readonly DeviceCookieJar Empty = new(new Dictionary<string, List<string>>(StringComparer.Ordinal));

    private readonly IReadOnlyDictionary<string, List<string>> _byName;

    private DeviceCookieJar(IReadOnlyDictionary<string, List<string>> byName) => _byName = byName;

    public static string NameFor(Guid accountId) => NamePrefix + accountId.ToString("N");

    /// <summary>The jar of the given (name, value) pairs, in the order the browser sent them; names without the prefix are dropped.</summary>
    public static DeviceCookieJar Of(IEnumerable<KeyValuePair<string, string>> cookies)
    {
        var byName = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in cookies)
        {
            if (!name.StartsWith(NamePrefix, StringComparison.Ordinal) || string.IsNullOrEmpty(value))
            {
                continue;
            }

            if (!byName.TryGetValue(name, out var values))
            {
                byName[name] = values = [];
            }

            if (values.Count < DeviceCookies.MaxTokensRead)
            {
                values.Add(value);
            }
        }

        return new DeviceCookieJar(byName);
    }

    /// <summary>A browser that holds one device cookie, for one account.</summary>
    public static DeviceCookieJar Holding(Guid accountId, string token) => Of([new(NameFor(accountId), token)]);

    /// <summary>The values of the cookie named for this account; other accounts' cookies are not looked at.</summary>
    public IReadOnlyList<string> For(Guid accountId) => _byName.TryGetValue(NameFor(accountId), out var values) ? values : [];
}
