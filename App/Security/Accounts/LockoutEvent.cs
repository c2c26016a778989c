namespace NasDash.Security.Accounts;

public enum LockoutEventKind
{
    /// <summary>The first backup-code submission of a recovery.</summary>
    RecoveryStarted,
    /// <summary>T consecutive TOTP failures moved the account to Recovery.</summary>
    MovedToRecovery,
    SuperLocked,
    /// <summary>Someone holding a notice about the account reported it as not theirs ("This wasn't me").</summary>
    ReportedNotMine,
}

public sealed record LockoutEvent(LockoutEventKind Kind, Guid AccountId, string UserName, string? ClientAddress, DateTimeOffset At);
