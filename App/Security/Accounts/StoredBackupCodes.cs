namespace NasDash.Security.Accounts;

/// <summary>
/// One batch of backup codes as stored: a per-batch random salt and one slow hash per code.
/// One salt for the batch lets M entered codes be checked with M hash evaluations.
/// </summary>
public sealed class StoredBackupCodes
{
    public Guid BatchId { get; set; } = Guid.NewGuid();
    public byte[] Salt { get; set; } = [];
    public int Iterations { get; set; }
    public List<byte[]> Hashes { get; set; } = [];
    public List<bool> Used { get; set; } = [];
    public DateTimeOffset GeneratedAt { get; set; }

    /// <summary>Characters per code; a set stored before codes had 80 bits has no such field and reads as 12.</summary>
    public int CodeLength { get; set; } = BackupCodes.LegacyCodeLength;

    /// <summary>Codes in this set, all of them valid until a recovery or a new set replaces the whole set.</summary>
    public int Total => Hashes.Count;

    public StoredBackupCodes Clone() => new()
    {
        BatchId = BatchId,
        Salt = Salt,
        Iterations = Iterations,
        Hashes = [.. Hashes],
        Used = [.. Used],
        GeneratedAt = GeneratedAt,
        CodeLength = CodeLength,
    };
}
