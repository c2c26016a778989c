namespace NasDash.Tests.TestSupport;

/// <summary>An enrolled account and the plaintext secrets its owner holds.</summary>
public sealed record EnrolledAccount(Guid Id, string UserName, string Password, byte[] TotpSecret, IReadOnlyList<string> BackupCodes)
{
    /// <summary>The first <paramref name="count"/> backup codes, as typed into the recovery form.</summary>
    public IReadOnlyList<string?> Codes(int count, int skip = 0) => [.. BackupCodes.Skip(skip).Take(count)];
}
