namespace NasDash.Security.Notices;

/// <summary>
/// Which security facts are notices, and what each says. <see cref="SecurityLedger"/> applies these rules inside the
/// transaction that commits the fact, so a notice can be neither lost after its fact nor sent for one rolled back.
/// </summary>
public static class SecurityNoticeRules
{
    /// <summary>
    /// The notice decision of every kind of fact: which notice it is, or null when it is none. A kind without a decision
    /// throws, and a table test walks every kind.
    /// </summary>
    public static SecurityNoticeKind? Decision(SecurityFactKind kind) => kind switch
    {
        SecurityFactKind.RecoveryStarted => SecurityNoticeKind.RecoveryStarted,
        SecurityFactKind.MovedToRecovery => SecurityNoticeKind.MovedToRecovery,
        SecurityFactKind.SuperLockedByBackupCodes => SecurityNoticeKind.SuperLocked,
        SecurityFactKind.SuperLockedByEnrolmentCodes => SecurityNoticeKind.SuperLocked,
        SecurityFactKind.RecoverySucceeded => SecurityNoticeKind.RecoverySucceeded,
        SecurityFactKind.PasswordChanged => SecurityNoticeKind.PasswordChanged,
        SecurityFactKind.PasswordChangeRequired => SecurityNoticeKind.PasswordChangeRequired,
        SecurityFactKind.ConsoleUnlocked => SecurityNoticeKind.ConsoleUnlock,
        SecurityFactKind.SecondFactorReset => SecurityNoticeKind.SecondFactorReset,
        SecurityFactKind.EnrolmentCodeIssued => SecurityNoticeKind.EnrolmentCodeIssued,
        SecurityFactKind.SecondFactorEnrolled => SecurityNoticeKind.SecondFactorEnrolled,
        SecurityFactKind.AuthenticatorRenewed => SecurityNoticeKind.AuthenticatorRenewed,
        SecurityFactKind.BackupCodesRenewed => SecurityNoticeKind.BackupCodesRegenerated,
        SecurityFactKind.SecurityKeyAdded => SecurityNoticeKind.SecurityKeyAdded,
        SecurityFactKind.SecurityKeyRemoved => SecurityNoticeKind.SecurityKeyRemoved,
        SecurityFactKind.AdministratorCreated => SecurityNoticeKind.AdministratorCreated,
        SecurityFactKind.AdministratorDeleted => SecurityNoticeKind.AdministratorDeleted,
        SecurityFactKind.SshDisabled => SecurityNoticeKind.SshDisabled,
        SecurityFactKind.SshEnabled => SecurityNoticeKind.SshEnabled,
        SecurityFactKind.TwoFactorSettingsChanged => SecurityNoticeKind.TwoFactorSettingsChanged,
        SecurityFactKind.ApiTokenCreated => SecurityNoticeKind.ApiTokenCreated,
        SecurityFactKind.ApiTokenRevoked => SecurityNoticeKind.ApiTokenRevoked,
        SecurityFactKind.ReportedNotMine => SecurityNoticeKind.ReportedNotMine,
        SecurityFactKind.NotificationAddressAdded => SecurityNoticeKind.NotificationAddressAdded,
        SecurityFactKind.NotificationAddressConfirmed => SecurityNoticeKind.NotificationAddressConfirmed,
        SecurityFactKind.NotificationAddressRemoved => SecurityNoticeKind.NotificationAddressRemoved,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "This kind of security fact has no notice decision."),
    };

    /// <summary>
    /// The notices for the facts of one commit. <paramref name="entry"/> is the commit's audit entry (when, who acted,
    /// from where); <paramref name="account"/> the account as saved by it (null for the appliance's own facts).
    /// </summary>
    public static IReadOnlyList<OutboxNotice> For(IReadOnlyList<SecurityFact> facts, AuditEvent entry, Account? account)
    {
        // A recovery that starts and succeeds in one submission is one notice, not two.
        var succeeded = facts.Any(f => f.Kind == SecurityFactKind.RecoverySucceeded);
        // An administrator created with an enrolment code is one notice, the creation (it says a code was issued).
        var created = facts.Any(f => f.Kind == SecurityFactKind.AdministratorCreated);
        var notices = new List<OutboxNotice>();
        foreach (var fact in facts)
        {
            if (Decision(fact.Kind) is not { } kind || (succeeded && fact.Kind == SecurityFactKind.RecoveryStarted) ||
                (created && fact.Kind == SecurityFactKind.EnrolmentCodeIssued))
            {
                continue;
            }

            var subject = account?.UserName ?? fact.UserName ?? entry.UserName;
            var actor = entry.UserName is { } by && !string.Equals(by, subject, StringComparison.Ordinal) ? by : null;
            notices.Add(new OutboxNotice
            {
                Kind = kind,
                At = entry.At,
                UserName = subject,
                Actor = actor ?? ActorFromDetail(entry),
                ClientAddress = fact.Client ?? entry.ClientAddress,
                AccountState = account?.State,
                Detail = DetailOf(fact, entry),
                AboutAddress = fact.Address,
            });
        }

        return notices;
    }

    private static string? DetailOf(SecurityFact fact, AuditEvent entry) => fact.Kind switch
    {
        SecurityFactKind.SuperLockedByBackupCodes => "wrong backup-code submissions",
        SecurityFactKind.SuperLockedByEnrolmentCodes => "wrong enrolment codes",
        SecurityFactKind.TwoFactorSettingsChanged or SecurityFactKind.SshDisabled => fact.Detail ?? entry.Detail,
        _ => fact.Detail,
    };

    // Console verbs record their operator as "by <name>" in the detail; the entry's user is the account.
    private static string? ActorFromDetail(AuditEvent entry) =>
        entry.Event.StartsWith("console.", StringComparison.Ordinal) && entry.Detail is { } detail && detail.StartsWith("by ", StringComparison.Ordinal)
            ? "console (" + detail[3..].Split(';', 2)[0].Trim() + ")"
            : null;
}
