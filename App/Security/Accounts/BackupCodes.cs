using System.Security.Cryptography;
using System.Text;

namespace NasDash.Security.Accounts;

/// <summary>A freshly generated batch: the plaintext (shown once) and what is stored.</summary>
public sealed record BackupCodeBatch(IReadOnlyList<string> Codes, StoredBackupCodes Stored);

/// <summary>
/// Backup codes: 16 Crockford base32 characters (80 bits, NIST SP 800-63B-4 §4.2.1.1 asks at least 64) shown as
/// XXXX-XXXX-XXXX-XXXX, stored salted and hashed with PBKDF2 (look-up secrets under 112 bits need a salted password hash).
/// A set made before that, of 12 characters, stays valid until it is replaced: a set records its code length.
/// </summary>
public sealed class BackupCodes
{
    public const int CodeLength = 16;
    /// <summary>The length of codes made before 80 bits; a stored set without a recorded length has this one.</summary>
    public const int LegacyCodeLength = 12;
    /// <summary>log2(32) bits per Crockford character.</summary>
    public const int BitsPerCharacter = 5;
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    /// <summary>Longest raw input accepted before normalising; anything longer cannot be a code.</summary>
    public const int MaxInputLength = 64;
    private const int HashBytes = 32;
    private const int SaltBytes = 16;

    private readonly int _iterations;
    private readonly TimeProvider _time;

    /// <param name="iterations">PBKDF2-HMAC-SHA256 rounds per code. An 80-bit random code needs far fewer than a password.</param>
    public BackupCodes(TimeProvider time, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        _time = time;
        _iterations = iterations;
    }

    public const int DefaultIterations = 10_000;

    private StoredBackupCodes? _decoy;

    /// <summary>
    /// Costs what checking one code against a real set costs, for a user name with no code to check, so a stranger
    /// cannot tell from the answer's time which accounts hold a code.
    /// </summary>
    public void MatchDecoy(string normalizedCode) => Match(_decoy ??= Generate(1).Stored, [normalizedCode]);

    public BackupCodeBatch Generate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var codes = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (codes.Count < count)
        {
            var raw = RandomNumberGenerator.GetString(Alphabet, CodeLength);
            if (seen.Add(raw))
            {
                codes.Add(raw);
            }
        }

        var stored = new StoredBackupCodes
        {
            Salt = salt,
            Iterations = _iterations,
            Hashes = codes.Select(c => Hash(c, salt, _iterations)).ToList(),
            Used = codes.Select(_ => false).ToList(),
            CodeLength = CodeLength,
            GeneratedAt = _time.GetUtcNow(),
        };
        return new BackupCodeBatch(codes.Select(Format).ToList(), stored);
    }

    /// <summary>XXXXXXXXXXXXXXXX → XXXX-XXXX-XXXX-XXXX (and a 12-character code in three groups).</summary>
    public static string Format(string normalized) => string.Join('-', normalized.Chunk(4).Select(group => new string(group)));

    /// <summary>
    /// Case, spaces and dashes ignored; O→0 and I/L→1 (Crockford). Either length is a code (16, or 12 for a set made
    /// before 80 bits); which one a set accepts is the set's own. Null when the input cannot be a code.
    /// </summary>
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > MaxInputLength)
        {
            return null;
        }

        var sb = new StringBuilder(CodeLength);
        foreach (var ch in input)
        {
            if (ch is ' ' or '-' or '\t')
            {
                continue;
            }

            var c = char.ToUpperInvariant(ch) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var other => other,
            };
            // The raw character: invariant upper-casing maps some non-ASCII letters into ASCII ('ſ' → 'S').
            if (!char.IsAscii(ch) || Alphabet.IndexOf(c, StringComparison.Ordinal) < 0 || sb.Length == CodeLength)
            {
                return null;
            }

            sb.Append(c);
        }

        return sb.Length is CodeLength or LegacyCodeLength ? sb.ToString() : null;
    }

    /// <summary>
    /// Finds, for each normalised entered code, the index of an unused stored code it matches.
    /// Costs one hash per entered code; every stored hash is compared in constant time without early exit.
    /// Returns null unless every entered code matches a distinct unused code. A code of another length than the set's
    /// matches nothing, and costs the same hash.
    /// </summary>
    public static int[]? Match(StoredBackupCodes stored, IReadOnlyList<string> normalizedCodes)
    {
        var matched = new int[normalizedCodes.Count];
        var allMatched = true;
        for (var i = 0; i < normalizedCodes.Count; i++)
        {
            var candidate = Hash(normalizedCodes[i], stored.Salt, stored.Iterations);
            var ofTheSetsLength = normalizedCodes[i].Length == stored.CodeLength;
            var found = -1;
            for (var j = 0; j < stored.Hashes.Count; j++)
            {
                var equal = CryptographicOperations.FixedTimeEquals(candidate, stored.Hashes[j]) & ofTheSetsLength;
                var usable = equal & !stored.Used[j];
                found = usable ? j : found;
            }

            matched[i] = found;
            allMatched &= found >= 0;
        }

        return allMatched && matched.Distinct().Count() == matched.Length ? matched : null;
    }

    [ThreadStatic]
    private static long t_hashes;

    /// <summary>PBKDF2 hashes computed on the calling thread (matching is synchronous): what a check costs, counted.</summary>
    public static long HashesOnThisThread => t_hashes;

    private static byte[] Hash(string normalized, byte[] salt, int iterations)
    {
        t_hashes++;
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.ASCII.GetBytes(normalized), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
    }
}
