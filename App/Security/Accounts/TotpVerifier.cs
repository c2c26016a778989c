using System.Security.Cryptography;
using OtpNet;

namespace NasDash.Security.Accounts;

public enum TotpOutcome
{
    Accepted,
    /// <summary>Not six ASCII digits: not a guess, so not counted.</summary>
    Malformed,
    Wrong,
    /// <summary>A correct code for a time step already used (RFC 6238 §5.2).</summary>
    Replayed,
    /// <summary>
    /// A correct code for a step within <see cref="TotpVerifier.SkewSteps"/> of the clock but outside the window, or a
    /// code for now while the last accepted step lies ahead of the clock: a clock is off, and the owner is not guessing.
    /// </summary>
    ClockOff,
}

/// <param name="StepsOff">For <see cref="TotpOutcome.ClockOff"/>: how far the code's time is from the appliance's clock, in steps (positive: ahead).</param>
public readonly record struct TotpCheck(TotpOutcome Outcome, long Step, long StepsOff = 0);

/// <summary>RFC 6238 TOTP through Otp.NET: SHA1, 6 digits, 30 s, for authenticator-app compatibility.</summary>
public sealed class TotpVerifier(TimeProvider time)
{
    public const int SecretBytes = 20;
    public const int Digits = 6;
    public const int StepSeconds = 30;
    public const string Issuer = "NasDash";
    /// <summary>How far (±2 h, in steps) a right code is recognised as a clock that is off rather than a wrong guess.</summary>
    public const int SkewSteps = 240;

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

    /// <summary>
    /// Checks a code within ±window steps, accepting only steps newer than <paramref name="lastAcceptedStep"/> and not
    /// <paramref name="refusedSteps"/>. A right code for a step up to <see cref="SkewSteps"/> away, or a right code for
    /// now while the last accepted step lies ahead of the clock (the clock moved back), is <see cref="TotpOutcome.ClockOff"/>.
    /// </summary>
    public TotpCheck Verify(byte[] secret, string? input, long lastAcceptedStep, int window, IReadOnlyCollection<long>? refusedSteps = null)
    {
        var code = Normalize(input);
        if (code is null)
        {
            return new TotpCheck(TotpOutcome.Malformed, -1);
        }

        var totp = new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits);
        var now = time.GetUtcNow().UtcDateTime;
        var current = StepAt(time.GetUtcNow());
        if (!totp.VerifyTotp(now, code, out var step, new VerificationWindow(window, window)))
        {
            return totp.VerifyTotp(now, code, out var far, new VerificationWindow(SkewSteps, SkewSteps))
                ? new TotpCheck(TotpOutcome.ClockOff, far, far - current)
                : new TotpCheck(TotpOutcome.Wrong, -1);
        }

        if (step > lastAcceptedStep && refusedSteps?.Contains(step) != true)
        {
            return new TotpCheck(TotpOutcome.Accepted, step);
        }

        // The last accepted step lies ahead of the clock: a code was accepted while the clock ran fast.
        return lastAcceptedStep > current + window && lastAcceptedStep - current <= SkewSteps && refusedSteps?.Contains(step) != true
            ? new TotpCheck(TotpOutcome.ClockOff, step, current - lastAcceptedStep)
            : new TotpCheck(TotpOutcome.Replayed, step);
    }

    public static long StepAt(DateTimeOffset at) => at.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>The code an authenticator shows now (used by tests and the SSH users file check).</summary>
    public string Current(byte[] secret) =>
        new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits).ComputeTotp(time.GetUtcNow().UtcDateTime);
}
