namespace NasDash.Security.Accounts;

/// <summary>
/// One registered WebAuthn credential (a security key or a passkey) of an administrator: its credential id, COSE
/// public key and the highest signature counter seen. Changed only through its <see cref="Account"/>.
/// </summary>
public sealed class SecurityKey
{
    public const int MaxNameLength = 64;

    // For the store's mapper, which sets the private setters from the stored document.
    private SecurityKey()
    {
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public byte[] CredentialId { get; private set; } = [];
    /// <summary>The credential public key, COSE-encoded as the authenticator gave it.</summary>
    public byte[] PublicKey { get; private set; } = [];
    /// <summary>Highest signature counter accepted; stays 0 for authenticators (most passkeys) that do not count.</summary>
    public long SignatureCounter { get; private set; }
    public string Name { get; private set; } = "";
    public DateTimeOffset AddedAt { get; private set; }
    public DateTimeOffset? LastUsedAt { get; private set; }

    /// <summary>A verified credential; the name is trimmed and must be 1 to <see cref="MaxNameLength"/> characters.</summary>
    public static SecurityKey Create(byte[] credentialId, byte[] publicKey, uint signatureCounter, string name, DateTimeOffset now)
    {
        var trimmed = NormalizeName(name) ?? throw new ArgumentException($"A security key needs a name of 1 to {MaxNameLength} characters.", nameof(name));
        if (credentialId.Length == 0 || publicKey.Length == 0)
        {
            throw new ArgumentException("A security key needs a credential id and a public key.");
        }

        return new SecurityKey
        {
            CredentialId = [.. credentialId],
            PublicKey = [.. publicKey],
            SignatureCounter = signatureCounter,
            Name = trimmed,
            AddedAt = now,
        };
    }

    /// <summary>What is wrong with a name, in the words the form shows next to the field; null when it is fine.</summary>
    public static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? $"Give the key a name of 1 to {MaxNameLength} characters."
        : UntrustedText.HasControlCharacters(name.Trim()) ? "A key's name cannot hold control characters or line breaks."
        : NormalizeName(name) is null ? $"Give the key a name of 1 to {MaxNameLength} characters."
        : null;

    /// <summary>The trimmed name, or null when it is empty, too long or holds a control character (it reaches logs and notices).</summary>
    public static string? NormalizeName(string? name)
    {
        var trimmed = name?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength || UntrustedText.HasControlCharacters(trimmed) ? null : trimmed;
    }

    public bool Holds(ReadOnlySpan<byte> credentialId) => credentialId.SequenceEqual(CredentialId);

    /// <summary>
    /// WebAuthn §7.2 step 21: once either counter is non-zero, a new one must be higher, or the key may have been
    /// cloned (or the assertion replayed).
    /// </summary>
    public bool AcceptsCounter(uint signatureCounter) =>
        signatureCounter == 0 && SignatureCounter == 0 || signatureCounter > SignatureCounter;

    internal void Used(uint signatureCounter, DateTimeOffset now)
    {
        if (!AcceptsCounter(signatureCounter))
        {
            throw new InvalidOperationException($"Signature counter {signatureCounter} does not advance past {SignatureCounter}.");
        }

        SignatureCounter = signatureCounter;
        LastUsedAt = now;
    }

    internal SecurityKey Clone() => (SecurityKey)MemberwiseClone();
}
