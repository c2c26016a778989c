namespace NasDash.Security.Accounts;

/// <summary>
/// A change to how someone signs in, or to who may: recorded by the <see cref="Account"/> move that made it (or, for
/// the appliance's own facts, by the service that made them) and committed through <see cref="SecurityLedger"/>
/// together with its audit entry and the notices it raises.
/// </summary>
public enum SecurityFactKind
{
    /// <summary>The first backup-code submission of a recovery (a lockout event).</summary>
    RecoveryStarted,
    /// <summary>T wrong authenticator codes in a row (a lockout event).</summary>
    MovedToRecovery,
    /// <summary>N failed backup-code submissions in a row (a lockout event).</summary>
    SuperLockedByBackupCodes,
    /// <summary>N wrong enrolment codes in a row (a lockout event).</summary>
    SuperLockedByEnrolmentCodes,
    RecoverySucceeded,
    PasswordChanged,
    PasswordChangeRequired,
    ConsoleUnlocked,
    SecondFactorReset,
    EnrolmentCodeIssued,
    SecondFactorEnrolled,
    AuthenticatorRenewed,
    BackupCodesRenewed,
    SecurityKeyAdded,
    SecurityKeyRemoved,
    AdministratorCreated,
    AdministratorDeleted,
    SshDisabled,
    SshEnabled,
    TwoFactorSettingsChanged,
    /// <summary>An administrator minted an API token (its name, prefix, scopes and expiry in the detail; never its text).</summary>
    ApiTokenCreated,
    ApiTokenRevoked,
    /// <summary>Someone holding a notice about the account said "this wasn't me" (a lockout event: sessions end, alert, SSH).</summary>
    ReportedNotMine,
}

/// <param name="AccountId">The account it is about; null for the appliance's own facts (SSH, settings).</param>
/// <param name="UserName">The account's user name, or who changed the appliance.</param>
/// <param name="Client">Where the request came from, when there was one.</param>
/// <param name="Detail">Safe to send in a notice: a key's name, the settings changed, why SSH was switched off.</param>
public sealed record SecurityFact(SecurityFactKind Kind, Guid? AccountId, string? UserName, string? Client = null, string? Detail = null)
{
    /// <summary>The lockout event this fact is, for the reactions (alerts, SSH shut-off); null for other facts.</summary>
    public LockoutEvent? AsLockout(DateTimeOffset at) => Kind switch
    {
        SecurityFactKind.RecoveryStarted => Lockout(LockoutEventKind.RecoveryStarted, at),
        SecurityFactKind.MovedToRecovery => Lockout(LockoutEventKind.MovedToRecovery, at),
        SecurityFactKind.SuperLockedByBackupCodes or SecurityFactKind.SuperLockedByEnrolmentCodes => Lockout(LockoutEventKind.SuperLocked, at),
        SecurityFactKind.ReportedNotMine => Lockout(LockoutEventKind.ReportedNotMine, at),
        _ => null,
    };

    public bool IsSuperLockout => Kind is SecurityFactKind.SuperLockedByBackupCodes or SecurityFactKind.SuperLockedByEnrolmentCodes;

    /// <summary>Ends every session of the account right after the commit (a super-lockout, a "this wasn't me" report).</summary>
    public bool EndsSessions => IsSuperLockout || Kind == SecurityFactKind.ReportedNotMine;

    private LockoutEvent Lockout(LockoutEventKind kind, DateTimeOffset at) => new(kind, AccountId ?? Guid.Empty, UserName ?? "", Client, at);
}
