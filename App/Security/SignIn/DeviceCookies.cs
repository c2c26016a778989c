using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace NasDash.Security.SignIn;

/// <summary>
/// Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a token, signed and encrypted
/// with Data Protection, that a browser receives when it completes a sign-in. It names the account, the account's
/// device generation (bumped to revoke every device at once) and a random device id whose own password budget
/// replaces the account's untrusted bucket for that browser.
/// </summary>
public sealed class DeviceCookies(IDataProtectionProvider provider, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    /// <summary>Tokens looked at per attempt; a browser offering more gets no further.</summary>
    public const int MaxTokensRead = 8;

    private readonly IDataProtector _protector = provider.CreateProtector("NasDash.DeviceCookie.v1");
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private readonly long _started = time.GetTimestamp();

    /// <summary>A token for this browser: the same device id when it already holds a valid one for the account.</summary>
    public string Issue(Account account, Guid? knownDevice = null)
    {
        var payload = string.Join('|',
            account.Id.ToString("N"),
            account.DeviceGeneration.ToString(CultureInfo.InvariantCulture),
            (knownDevice ?? Guid.NewGuid()).ToString("N"),
            time.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture));
        return _protector.Protect(payload);
    }

    /// <summary>
    /// The device id of the first token that is genuine, for this account, of its current generation and not older
    /// than <see cref="Lifetime"/>; null (an untrusted browser) otherwise. Every offered token is opened, whoever
    /// the account, so a known and an unknown user name cost the same.
    /// </summary>
    public Guid? Recognise(Account? account, IEnumerable<string> tokens)
    {
        Guid? found = null;
        foreach (var token in tokens.Take(MaxTokensRead))
        {
            if (Open(token) is not { } device)
            {
                continue;
            }

            var current = account is not null && device.AccountId == account.Id && device.Generation == account.DeviceGeneration &&
                          Now() - device.IssuedAt < Lifetime;
            found ??= current ? device.DeviceId : null;
        }

        return found;
    }

    /// <summary>
    /// The time a token's age is judged at: the wall clock, but never later than this run's start plus the monotonic time
    /// since, so a clock set forward (by a year, say) voids no device; a token from the future (a clock set back) is new.
    /// </summary>
    private DateTimeOffset Now()
    {
        var wall = time.GetUtcNow();
        var steady = _startedAt + time.GetElapsedTime(_started);
        return wall < steady ? wall : steady;
    }

    private readonly record struct Device(Guid AccountId, int Generation, Guid DeviceId, DateTimeOffset IssuedAt);

    private Device? Open(string token)
    {
        try
        {
            var parts = _protector.Unprotect(token).Split('|');
            return parts.Length == 4 &&
                   Guid.TryParseExact(parts[0], "N", out var accountId) &&
                   int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var generation) &&
                   Guid.TryParseExact(parts[2], "N", out var deviceId) &&
                   long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) &&
                   ticks is >= 0 and <= 3_155_378_975_999_999_999
                ? new Device(accountId, generation, deviceId, new DateTimeOffset(ticks, TimeSpan.Zero))
                : null;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return null;
        }
    }
}
