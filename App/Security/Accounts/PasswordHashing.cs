using System.Buffers.Binary;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace NasDash.Security.Accounts;

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

    // The hasher ignores its user argument; one placeholder serves every call.
    private static readonly object NoUser = new();
    private readonly PasswordHasher<object> _hasher;
    private readonly string _dummyHash;

    public PasswordHashing(int iterations = OwaspIterations)
    {
        _hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = iterations,
        }));
        _dummyHash = MakeDummyHash(iterations);
    }

    /// <summary>What an unknown user's password is verified against.</summary>
    internal string DummyHash => _dummyHash;

    /// <summary>
    /// A stored hash no password matches, whose verification costs a real one: the hasher's own format, made at one
    /// iteration and then marked with the configured count, so verifying it runs the full PBKDF2 over its salt against
    /// a subkey that count never yields. Hashing at the real cost here took ~250 ms of every cold start.
    /// </summary>
    private static string MakeDummyHash(int iterations)
    {
        var instant = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = 1,
        }));
        var bytes = Convert.FromBase64String(instant.HashPassword(NoUser, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24))));
        // Identity's V3 layout: format marker, PRF, iteration count, salt length (each big-endian), salt, subkey.
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5, 4), (uint)iterations);
        return Convert.ToBase64String(bytes);
    }

    public string Hash(string password) => _hasher.HashPassword(NoUser, password);

    /// <summary>Null (an unknown user) costs the same hash as a known one and fails.</summary>
    public PasswordCheck Verify(Account? account, string password) => VerifyHash(account?.PasswordHash, password);

    private long _verifications;

    /// <summary>PBKDF2 verifications run by this instance: the same count for unknown and known user names.</summary>
    public long Verifications => Interlocked.Read(ref _verifications);

    public PasswordCheck VerifyHash(string? storedHash, string password)
    {
        Interlocked.Increment(ref _verifications);
        var hash = storedHash is { Length: > 0 } h ? h : _dummyHash;
        var result = _hasher.VerifyHashedPassword(NoUser, hash, password ?? "");
        if (storedHash is not { Length: > 0 })
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
