using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NasDash.Security.Api;

/// <summary>A token as its owner's list shows it: never its text, which is shown once when minted.</summary>
public sealed record ApiTokenRow(Guid Id, string Name, ApiScopes Scopes, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset ExpiresAt);

public abstract record ApiTokenMinting
{
    private ApiTokenMinting()
    {
    }

    /// <summary>Token is the secret text, to be shown once and never again.</summary>
    public sealed record Minted(string Token, ApiTokenRow Row) : ApiTokenMinting;
    /// <summary>Message is a sentence for the page; nothing was stored.</summary>
    public sealed record Refused(string Message) : ApiTokenMinting;
}

/// <summary>Who calls the API: the administrator who minted the token, and the token.</summary>
public sealed record ApiCaller(Guid AccountId, string UserName, Guid TokenId, string TokenName, ApiScopes Scopes)
{
    public bool Holds(ApiScopes scope) => (Scopes & scope) == scope;
}

public abstract record ApiTokenCheck
{
    private ApiTokenCheck()
    {
    }

    public sealed record Valid(ApiCaller Caller) : ApiTokenCheck;
    /// <summary>Missing, malformed, unknown, expired or revoked: one answer for all.</summary>
    public sealed record Refused : ApiTokenCheck;
    /// <summary>Too many wrong tokens from this address or with this prefix: refused unevaluated until then.</summary>
    public sealed record Throttled(DateTimeOffset Until) : ApiTokenCheck;
}

/// <summary>
/// API tokens: minted by an administrator after a step-up (the grant is consumed here), listed, revoked, and checked
/// per request. The check is a SHA-256 and a dictionary look-up in memory, with no password hashing and no store
/// access for a wrong token, so a flood of them costs sign-in nothing. "Last used" is kept in memory and written at
/// most once a minute per token (<see cref="FlushLastUsed"/>).
/// </summary>
public sealed class ApiTokens(IApiTokenStore store, IAccountStore accounts, StepUp stepUp, ApplianceFacts facts, ApiTokenThrottle throttle, TimeProvider time)
{
    public const string TokenPrefix = "nasdash_";
    /// <summary>256 bits in lower-case RFC 4648 base32, unpadded.</summary>
    public const int SecretLength = 52;
    /// <summary>Characters after <see cref="TokenPrefix"/> shown in lists and counted by the throttle (20 of the 256 bits).</summary>
    public const int ShownSecretCharacters = 4;
    public const int DefaultLifetimeDays = 90;
    public const int MaxLifetimeDays = 365;
    public const int MaxTokensPerAccount = 20;
    public static readonly TimeSpan LastUsedWriteInterval = TimeSpan.FromMinutes(1);

    public static StepUpPurpose CreatePurpose { get; } = new("account.api-token-create", "Create an API token");

    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private static readonly System.Buffers.SearchValues<char> Base32Characters = System.Buffers.SearchValues.Create(Base32Alphabet);

    private readonly Lock _gate = new();
    private Dictionary<string, ApiToken>? _byHash;
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _lastUsed = new();

    /// <summary>Raised for every refused or throttled token (for the metrics): true when throttled.</summary>
    public event Action<bool>? Refused;

    public IReadOnlyList<ApiTokenRow> List(Guid accountId)
    {
        var account = accounts.FindById(accountId);
        var now = time.GetUtcNow();
        return [.. Tokens().Where(t => t.AccountId == accountId && t.IsLiveFor(account, now)).OrderBy(t => t.CreatedAt).Select(Row)];
    }

    /// <summary>Refused unless a step-up for <see cref="CreatePurpose"/> was just accepted; the grant is used up either way once the input is valid.</summary>
    public ApiTokenMinting Mint(Guid accountId, string? name, ApiScopes scopes, int lifetimeDays, string? client)
    {
        var tokenName = ApiToken.NormalizeName(name);
        if (tokenName is null)
        {
            return new ApiTokenMinting.Refused($"Give the token a name of 1 to {ApiToken.MaxNameLength} characters.");
        }

        if (scopes == ApiScopes.None || (scopes & ~(ApiScopes.Read | ApiScopes.Alerts | ApiScopes.Metrics)) != 0)
        {
            return new ApiTokenMinting.Refused("Choose at least one scope.");
        }

        if (lifetimeDays is < 1 or > MaxLifetimeDays)
        {
            return new ApiTokenMinting.Refused($"A token lives 1 to {MaxLifetimeDays} days.");
        }

        var account = accounts.FindById(accountId);
        if (account is not { MayCreateApiToken: true } || !stepUp.TryConsumeGrant(accountId, CreatePurpose))
        {
            return new ApiTokenMinting.Refused("Your account cannot create a token right now. Confirm with a code from your authenticator first.");
        }

        var now = time.GetUtcNow();
        if (List(accountId).Count >= MaxTokensPerAccount)
        {
            return new ApiTokenMinting.Refused($"You hold {MaxTokensPerAccount} tokens already: revoke one first.");
        }

        var text = NewTokenText();
        var token = new ApiToken
        {
            AccountId = account.Id,
            Name = tokenName,
            Scopes = scopes,
            Hash = HashOf(text),
            Prefix = PrefixOf(text),
            Generation = account.DeviceGeneration,
            CreatedAt = now,
            ExpiresAt = now.AddDays(lifetimeDays),
        };
        facts.Commit(Fact(SecurityFactKind.ApiTokenCreated, account, client, token), Audit(account.UserName, client, AuditNames.AccountApiTokenCreated, Describe(token)),
            () => store.InsertToken(token));
        lock (_gate)
        {
            Index()[token.Hash] = token;
        }

        return new ApiTokenMinting.Minted(text, Row(token));
    }

    /// <summary>False when the account holds no such token (any more).</summary>
    public bool Revoke(Guid accountId, Guid tokenId, string? client)
    {
        var account = accounts.FindById(accountId);
        var token = Tokens().FirstOrDefault(t => t.Id == tokenId && t.AccountId == accountId);
        if (account is null || token is null)
        {
            return false;
        }

        var deleted = false;
        facts.Commit(Fact(SecurityFactKind.ApiTokenRevoked, account, client, token), Audit(account.UserName, client, AuditNames.AccountApiTokenRevoked, Describe(token)),
            () => deleted = store.DeleteToken(token.Id));
        Forget(token);
        return deleted;
    }

    /// <summary>Checks the value of an Authorization header (<c>Bearer nasdash_…</c>).</summary>
    public ApiTokenCheck Check(string? authorization, string? client)
    {
        var text = authorization is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var wellFormed = text is not null && IsWellFormed(text);
        if (wellFormed && Find(HashOf(text!)) is { } token)
        {
            var account = accounts.FindById(token.AccountId);
            var now = time.GetUtcNow();
            if (token.IsLiveFor(account, now) && account!.AdmitsSessions)
            {
                _lastUsed[token.Id] = now;
                return new ApiTokenCheck.Valid(new ApiCaller(account.Id, account.UserName, token.Id, token.Name, token.Scopes));
            }
        }

        var prefix = wellFormed ? PrefixOf(text!) : "malformed";
        if (throttle.PausedUntil(client, prefix) is { } until)
        {
            Refused?.Invoke(true);
            return new ApiTokenCheck.Throttled(until);
        }

        throttle.Failed(client, prefix);
        Refused?.Invoke(false);
        return new ApiTokenCheck.Refused();
    }

    /// <summary>
    /// Writes the "last used" times gathered since the last flush (called once a minute and at shut-down), and drops
    /// tokens that expired or were revoked with their administrator's credentials.
    /// </summary>
    public void FlushLastUsed()
    {
        var used = new Dictionary<Guid, DateTimeOffset>();
        foreach (var id in _lastUsed.Keys)
        {
            if (_lastUsed.TryRemove(id, out var at))
            {
                used[id] = at;
            }
        }

        var now = time.GetUtcNow();
        var live = new Dictionary<Guid, Account?>();
        foreach (var token in Tokens())
        {
            var account = live.TryGetValue(token.AccountId, out var known) ? known : live[token.AccountId] = accounts.FindById(token.AccountId);
            if (!token.IsLiveFor(account, now))
            {
                store.DeleteToken(token.Id);
                Forget(token);
                used.Remove(token.Id);
            }
            else if (used.TryGetValue(token.Id, out var at))
            {
                token.LastUsedAt = at;
            }
        }

        if (used.Count > 0)
        {
            store.SaveLastUsed(used);
        }
    }

    public static string HashOf(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static bool IsWellFormed(string text) =>
        text.Length == TokenPrefix.Length + SecretLength && text.StartsWith(TokenPrefix, StringComparison.Ordinal) &&
        text.AsSpan(TokenPrefix.Length).IndexOfAnyExcept(Base32Characters) < 0;

    internal static string NewTokenText()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var sb = new StringBuilder(TokenPrefix, TokenPrefix.Length + SecretLength);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                sb.Append(Base32Alphabet[(buffer >> bits) & 31]);
            }
        }

        if (bits > 0)
        {
            sb.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return sb.ToString();
    }

    private static string PrefixOf(string text) => text[..(TokenPrefix.Length + ShownSecretCharacters)];

    private ApiTokenRow Row(ApiToken t) =>
        new(t.Id, t.Name, t.Scopes, t.Prefix, t.CreatedAt, _lastUsed.TryGetValue(t.Id, out var at) ? at : t.LastUsedAt, t.ExpiresAt);

    private static string Describe(ApiToken t) =>
        $"“{t.Name}” ({t.Prefix}…), scopes {ApiToken.Describe(t.Scopes)}, expires {t.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    private AuditEvent Audit(string userName, string? client, AuditName name, string detail) =>
        new() { At = time.GetUtcNow(), UserName = userName, ClientAddress = client, Event = name.Id, Outcome = "succeeded", Detail = detail };

    private static SecurityFact Fact(SecurityFactKind kind, Account account, string? client, ApiToken token) =>
        new(kind, account.Id, account.UserName, client, Describe(token));

    private ApiToken? Find(string hash)
    {
        lock (_gate)
        {
            return Index().GetValueOrDefault(hash);
        }
    }

    private List<ApiToken> Tokens()
    {
        lock (_gate)
        {
            return [.. Index().Values];
        }
    }

    private void Forget(ApiToken token)
    {
        lock (_gate)
        {
            Index().Remove(token.Hash);
        }

        _lastUsed.TryRemove(token.Id, out _);
    }

    // Every token write goes through this service, so the index loaded once stays the store's picture.
    private Dictionary<string, ApiToken> Index() =>
        _byHash ??= store.AllTokens().ToDictionary(t => t.Hash, StringComparer.Ordinal);
}
