namespace NasDash.Security.SecurityKeys;

/// <summary>
/// Why a browser's WebAuthn call ended without a credential, as one of the DOMException names the WebAuthn spec
/// gives (or "other"): the browser's text is whatever its sender chose, so it never reaches an audit entry.
/// </summary>
public static class BrowserCeremonyError
{
    public const string Other = "other";

    public static readonly IReadOnlyList<string> Names =
        ["NotAllowedError", "InvalidStateError", "AbortError", "SecurityError", "NotSupportedError", "ConstraintError", "UnknownError"];

    public static string Name(string? browserError) =>
        Names.FirstOrDefault(n => string.Equals(n, browserError?.Trim(), StringComparison.Ordinal)) ?? Other;
}
