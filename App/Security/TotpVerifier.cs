using System.Security.Cryptography;
using OtpNet;

namespace NasDash.Security;

public enum TotpOutcome
{
    Accepted,
    /// <summary>Not six ASCII digits: not a guess, so not counted.</summary>
    Malformed,
    Wrong,
    /// <summary>A correct code for a time step already used (RFC 6238 §5.2).</summary>
    Replayed,
}

public readonly record struct TotpCheck(TotpOutcome Outcome, long Step);

/// <summary>RFC 6238 TOTP through Otp.NET: SHA1, 6 digits, 30 s, for authenticator-app compatibility.</summary>
public sealed class TotpVerifier(TimeProvider time)
{
    public const int SecretBytes = 20;
    public const int Digits = 6;
    public const int StepSeconds = 30;
    public const string Issuer = "NasDash";

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    public static string ToBase32(byte[] secret) => Base32Encoding.ToString(secret).TrimEnd('=');

    /// <summary>The base32 secret in groups of four for typing into an app by hand.</summary>
    public static string Grouped(byte[] secret) => string.Join(' ', ToBase32(secret).Chunk(4).Select(c => new string(c)));

    /// <summary>The issuer an authenticator app shows: the product and the appliance, so two appliances never look alike.</summary>
    public static string IssuerFor(string host) => $"{Issuer} ({host})";

    /// <summary>
    /// otpauth:// URI (Key Uri Format). The issuer parameter equals the label's prefix: apps that prefer the
    /// parameter would otherwise show every appliance as the same "NasDash".
    /// </summary>
    public static string OtpAuthUri(byte[] secret, string userName, string host)
    {
        var issuer = Uri.EscapeDataString(IssuerFor(host));
        return $"otpauth://totp/{issuer}:{Uri.EscapeDataString(userName)}?secret={ToBase32(secret)}&issuer={issuer}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";
    }

    /// <summary>Six ASCII digits, spaces tolerated; null otherwise (non-ASCII digits are refused).</summary>
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrEmpty(input) || input.Length > 32)
        {
            return null;
        }

        Span<char> digits = stackalloc char[Digits];
        var n = 0;
        foreach (var ch in input)
        {
            if (ch is ' ' or '\t' or '-')
            {
                continue;
            }

            if (!char.IsAsciiDigit(ch) || n == Digits)
            {
                return null;
            }

            digits[n++] = ch;
        }

        return n == Digits ? new string(digits) : null;
    }

    /// <summary>Checks a code within ±window steps, accepting only steps newer than <paramref name="lastAcceptedStep"/>.</summary>
    public TotpCheck Verify(byte[] secret, string? input, long lastAcceptedStep, int window)
    {
        var code = Normalize(input);
        if (code is null)
        {
            return new TotpCheck(TotpOutcome.Malformed, -1);
        }

        var totp = new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits);
        var now = time.GetUtcNow().UtcDateTime;
        if (!totp.VerifyTotp(now, code, out var step, new VerificationWindow(window, window)))
        {
            return new TotpCheck(TotpOutcome.Wrong, -1);
        }

        return step > lastAcceptedStep
            ? new TotpCheck(TotpOutcome.Accepted, step)
            : new TotpCheck(TotpOutcome.Replayed, step);
    }

    /// <summary>The code an authenticator shows now (used by tests and the SSH users file check).</summary>
    public string Current(byte[] secret) =>
        new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits).ComputeTotp(time.GetUtcNow().UtcDateTime);
}
