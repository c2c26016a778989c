using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace NasDash.Security;

public enum PasswordCheck
{
    Failed,
    Succeeded,
    /// <summary>Correct, but hashed with fewer iterations than now required: rehash and save.</summary>
    SucceededRehashNeeded,
}

/// <summary>
/// ASP.NET Core Identity's PBKDF2-HMAC-SHA512 hasher at OWASP's iteration count (the framework default is below it).
/// Unknown users are checked against a dummy hash so both paths cost the same.
/// </summary>
public sealed class PasswordHashing
{
    /// <summary>OWASP Password Storage Cheat Sheet figure for PBKDF2-HMAC-SHA512.</summary>
    public const int OwaspIterations = 210_000;

    private readonly PasswordHasher<Account> _hasher;
    private readonly string _dummyHash;

    public PasswordHashing(int iterations = OwaspIterations)
    {
        _hasher = new PasswordHasher<Account>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = iterations,
        }));
        _dummyHash = _hasher.HashPassword(new Account(), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
    }

    public string Hash(string password) => _hasher.HashPassword(new Account(), password);

    public PasswordCheck Verify(Account? account, string password)
    {
        var hash = account?.PasswordHash is { Length: > 0 } h ? h : _dummyHash;
        var result = _hasher.VerifyHashedPassword(account ?? new Account(), hash, password ?? "");
        if (account is null)
        {
            return PasswordCheck.Failed;
        }

        return result switch
        {
            PasswordVerificationResult.Success => PasswordCheck.Succeeded,
            PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.SucceededRehashNeeded,
            _ => PasswordCheck.Failed,
        };
    }
}
