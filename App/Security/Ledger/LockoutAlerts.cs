namespace NasDash.Security.Ledger;

/// <summary>Every lockout event raises an alert for the administrators, in the lockout's own commit.</summary>
public sealed class LockoutAlerts(IAlertStore alerts) : ILockoutEventHandler
{
    public IReadOnlyList<SecurityFact> Record(LockoutEvent lockoutEvent)
    {
        var user = lockoutEvent.UserName;
        switch (lockoutEvent.Kind)
        {
            case LockoutEventKind.SuperLocked:
                alerts.Raise(AlertKeys.SuperLocked(user), AlertSeverity.Critical,
                    $"{user} is super-locked after too many failed backup-code submissions. Only 'nasdash console unlock {user}' on the appliance can unlock it.",
                    "/users");
                break;
            case LockoutEventKind.MovedToRecovery:
                alerts.Raise(AlertKeys.Recovery(user), AlertSeverity.Warning,
                    $"{user} entered too many wrong authenticator codes; the account now accepts only backup codes.", "/users");
                break;
            case LockoutEventKind.RecoveryStarted:
                alerts.Raise(AlertKeys.Recovery(user), AlertSeverity.Warning,
                    $"Backup codes were submitted for {user}: a recovery is in progress.", "/audit");
                break;
            case LockoutEventKind.ReportedNotMine:
                alerts.Raise(AlertKeys.ReportedNotMine(user), AlertSeverity.Critical,
                    $"A notice about {user} was reported as not theirs (\"This wasn't me\"): every session of {user} was ended. Find out what happened in the audit log.",
                    "/audit");
                break;
        }

        return [];
    }
}
