using Microsoft.AspNetCore.DataProtection;

namespace NasDash.Security.Accounts;

/// <summary>Encrypts TOTP secrets at rest with ASP.NET Core Data Protection (keys kept in the data directory).</summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("NasDash.TotpSecret.v1");

    public string Protect(byte[] secret) => Convert.ToBase64String(_protector.Protect(secret));

    public byte[] Unprotect(string protectedSecret) => _protector.Unprotect(Convert.FromBase64String(protectedSecret));

    /// <summary>False when the secret cannot be decrypted, e.g. the Data Protection keys were lost.</summary>
    public bool TryUnprotect(string protectedSecret, out byte[] secret)
    {
        try
        {
            secret = Unprotect(protectedSecret);
            return true;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException)
        {
            secret = [];
            return false;
        }
    }
}
