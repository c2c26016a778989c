using System.Security.Cryptography;
using System.Text;

namespace NasDash.Features.Setup;

/// <summary>
/// The one-time setup token: 24 Crockford base32 characters (120 bits) shown as six groups of four, so only
/// someone who can read the appliance's log or data directory can claim an unconfigured appliance.
/// </summary>
public static class SetupToken
{
    public const int Length = 24;
    public const string FileName = "setup-token";

    public static string New() => Format(RandomNumberGenerator.GetString(BackupCodes.Alphabet, Length));

    public static string Format(string normalized) =>
        string.Join('-', normalized.Chunk(4).Select(group => new string(group)));

    /// <summary>Case, spaces and dashes ignored; O→0 and I/L→1 as for backup codes. Null when it cannot be a token.</summary>
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 64)
        {
            return null;
        }

        var sb = new StringBuilder(Length);
        foreach (var ch in input)
        {
            if (ch is ' ' or '-' or '\t' or '\r' or '\n')
            {
                continue;
            }

            var c = char.ToUpperInvariant(ch) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var other => other,
            };
            if (!BackupCodes.Alphabet.Contains(c, StringComparison.Ordinal) || sb.Length == Length)
            {
                return null;
            }

            sb.Append(c);
        }

        return sb.Length == Length ? sb.ToString() : null;
    }

    /// <summary>Constant-time comparison of an entered token with the expected one (both normalised).</summary>
    public static bool Matches(string expectedNormalized, string? input)
    {
        var candidate = Normalize(input) ?? new string('!', Length);
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expectedNormalized), Encoding.ASCII.GetBytes(candidate));
    }
}
