namespace NasDash.Security.Api;

/// <summary>What an API token may do. None of them can change how anyone signs in.</summary>
[Flags]
public enum ApiScopes
{
    None = 0,
    /// <summary>Status, accounts' lockout states, alerts, SSH state, the audit log.</summary>
    Read = 1,
    /// <summary>Acknowledge an alert.</summary>
    Alerts = 2,
    /// <summary>The Prometheus metrics endpoint.</summary>
    Metrics = 4,
}

/// <summary>
/// A token for scripts, stored only as the SHA-256 of its text (256 random bits need no slow hash). It is bound to the
/// administrator who minted it and to that account's <see cref="Account.DeviceGeneration"/>: a password change, console
/// unlock or second-factor reset bumps the generation and so revokes it, in the same commit as the change.
/// </summary>
public sealed class ApiToken
{
    public const int MaxNameLength = 64;

    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid AccountId { get; set; }
    public string Name { get; set; } = "";
    public ApiScopes Scopes { get; set; }
    /// <summary>Lower-case hex SHA-256 of the whole token text.</summary>
    public string Hash { get; set; } = "";
    /// <summary>The first characters of the token (<c>nasdash_abcd</c>), shown so its owner can tell tokens apart.</summary>
    public string Prefix { get; set; } = "";
    public int Generation { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }

    public bool IsLiveFor(Account? account, DateTimeOffset now) =>
        account is not null && account.Id == AccountId && account.DeviceGeneration == Generation && ExpiresAt > now;

    public ApiToken Clone() => (ApiToken)MemberwiseClone();

    public static string? NormalizeName(string? name)
    {
        var trimmed = name?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength || trimmed.Any(char.IsControl) ? null : trimmed;
    }

    /// <summary>"read, alerts"</summary>
    public static string Describe(ApiScopes scopes) =>
        scopes == ApiScopes.None ? "none" : string.Join(", ", Enum.GetValues<ApiScopes>().Where(s => s != ApiScopes.None && scopes.HasFlag(s)).Select(s => s.ToString().ToLowerInvariant()));
}
