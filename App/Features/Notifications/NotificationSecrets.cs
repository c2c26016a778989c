using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace NasDash.Features.Notifications;

/// <summary>Encrypts the SMTP password and the webhook secret at rest with Data Protection (keys in the data directory).</summary>
public sealed class NotificationSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("NasDash.NotificationSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>Null when there is none or it cannot be decrypted (Data Protection keys lost).</summary>
    public string? TryUnprotect(string? protectedSecret)
    {
        if (string.IsNullOrEmpty(protectedSecret))
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(protectedSecret);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
