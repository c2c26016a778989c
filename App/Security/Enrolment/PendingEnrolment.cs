namespace NasDash.Security.Enrolment;

/// <summary>What an enrolment replaces when it completes.</summary>
public enum EnrolmentPurpose
{
    /// <summary>A new TOTP secret and a new batch of backup codes (setup, forced re-enrolment).</summary>
    Full,
    /// <summary>Only the TOTP secret ("My account" › renew authenticator).</summary>
    Authenticator,
    /// <summary>Only the backup codes ("My account" › new backup codes).</summary>
    BackupCodes,
}

/// <summary>
/// One enrolment in progress, held only in the memory of the circuit that started it: the new TOTP
/// secret, whether it was verified, and the plaintext backup codes until they are saved.
/// </summary>
public sealed class PendingEnrolment
{
    internal PendingEnrolment(string userName, string host, byte[] secret, EnrolmentPurpose purpose = EnrolmentPurpose.Full)
    {
        UserName = userName;
        Host = host;
        Secret = secret;
        Purpose = purpose;
    }

    public EnrolmentPurpose Purpose { get; }
    public string UserName { get; }
    public string Host { get; }
    internal byte[] Secret { get; }
    public string OtpAuthUri => TotpVerifier.OtpAuthUri(Secret, UserName, Host);
    public string SecretText => TotpVerifier.Grouped(Secret);
    public string SecretBase32 => TotpVerifier.ToBase32(Secret);
    public string IssuerLabel => TotpVerifier.IssuerFor(Host);

    public long? VerifiedStep { get; internal set; }
    public bool TotpVerified => VerifiedStep is not null;
    public BackupCodeBatch? Batch { get; internal set; }
    public IReadOnlyList<string> Codes => Batch?.Codes ?? [];
    public int RequiredAtRecovery { get; internal set; }
    public DateTimeOffset? CodesGeneratedAt => Batch?.Stored.GeneratedAt;
    /// <summary>Set only by a download made from this enrolment, so the server knows the codes left the page.</summary>
    public bool Downloaded { get; internal set; }
    public bool Completed { get; internal set; }

    public bool CanComplete(bool confirmed) => !Completed && Purpose switch
    {
        EnrolmentPurpose.Authenticator => TotpVerified,
        EnrolmentPurpose.BackupCodes => Batch is not null && Downloaded && confirmed,
        _ => TotpVerified && Batch is not null && Downloaded && confirmed,
    };
}
