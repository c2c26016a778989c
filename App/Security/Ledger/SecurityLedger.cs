namespace NasDash.Security.Ledger;

/// <summary>
/// The one road of a security fact. One transaction commits the account, its audit entry, the notices its facts raise,
/// what the lockout reactions record (alerts, SSH shut-off intent) and the appliance-wide lock of a super-lockout; only
/// then do the reactions' slow parts run, off the verdict (<see cref="ILockoutEventHandler.Committed"/>).
/// </summary>
public sealed class SecurityLedger(
    IStoreTransactions store,
    IAccountStore accounts,
    ISettingsStore settings,
    IAuditLog audit,
    INoticeOutbox outbox,
    IEnumerable<ILockoutEventHandler> handlers,
    SecurityEvents events,
    ReportLinks? reportLinks = null)
{
    /// <summary>
    /// Commits the account with its audit entry and everything its recorded facts imply; <paramref name="alsoWrite"/>
    /// joins the same transaction (store writes only).
    /// </summary>
    public void Commit(Account account, AuditEvent entry, Action? alsoWrite = null)
    {
        var facts = account.TakeFacts();
        var lockouts = Lockouts(facts, entry.At);
        store.InTransaction(() =>
        {
            accounts.Update(account, entry);
            alsoWrite?.Invoke();
            Record(facts, lockouts, entry, account);
        });
        AfterCommit(facts, lockouts, account.Id);
    }

    /// <summary>Inserts a new account with its audit entry; false (nothing written) when the user name is taken.</summary>
    public bool Insert(Account account, AuditEvent entry)
    {
        var facts = account.TakeFacts();
        var all = (IReadOnlyList<SecurityFact>)[new SecurityFact(SecurityFactKind.AdministratorCreated, account.Id, account.UserName, entry.ClientAddress), .. facts];
        var inserted = false;
        store.InTransaction(() =>
        {
            inserted = accounts.TryInsert(account);
            if (inserted)
            {
                audit.Append(entry);
                Record(all, [], entry, account);
            }
        });
        if (!inserted)
        {
            account.RestoreFacts(facts);
        }

        return inserted;
    }

    /// <summary>Deletes an account with its audit entry; false when it no longer exists.</summary>
    public bool Delete(Account account, AuditEvent entry)
    {
        var deleted = false;
        store.InTransaction(() =>
        {
            deleted = accounts.Delete(account.Id);
            if (deleted)
            {
                audit.Append(entry);
                Record([new SecurityFact(SecurityFactKind.AdministratorDeleted, account.Id, account.UserName, entry.ClientAddress)], [], entry, null);
            }
        });
        if (deleted)
        {
            events.EndSessions(account.Id);
        }

        return deleted;
    }

    private static List<LockoutEvent> Lockouts(IReadOnlyList<SecurityFact> facts, DateTimeOffset at) =>
        [.. facts.Select(f => f.AsLockout(at)).OfType<LockoutEvent>()];

    // Inside the transaction: store writes only, nothing that waits on anything but the store.
    private void Record(IReadOnlyList<SecurityFact> facts, List<LockoutEvent> lockouts, AuditEvent entry, Account? account)
    {
        var all = facts.ToList();
        if (facts.Any(f => f.IsSuperLockout) && settings.Get().TwoFactor.SuperLockScope == SuperLockScope.Appliance)
        {
            settings.Update(s => s.ApplianceLockedBy ??= account?.UserName);
        }

        foreach (var lockout in lockouts)
        {
            foreach (var handler in handlers)
            {
                try
                {
                    all.AddRange(handler.Record(lockout));
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
                {
                    // A reaction's own mistake must never undo or hide the lockout; the disk's failures do fail the commit.
                    audit.Append(new AuditEvent
                    {
                        At = entry.At,
                        UserName = lockout.UserName,
                        Event = AuditNames.LockoutHandler.Id,
                        Outcome = "failed",
                        Detail = $"{handler.GetType().Name}: {ex.Message}",
                    });
                }
            }
        }

        var notices = SecurityNoticeRules.For(all, entry, account);
        reportLinks?.Attach(notices, account);
        outbox.Queue(notices);
    }

    private void AfterCommit(IReadOnlyList<SecurityFact> facts, List<LockoutEvent> lockouts, Guid accountId)
    {
        foreach (var lockout in lockouts)
        {
            foreach (var handler in handlers)
            {
                handler.Committed(lockout);
            }
        }

        if (facts.Any(f => f.EndsSessions))
        {
            events.EndSessions(accountId);
        }
        else if (facts.Count > 0)
        {
            events.NotifyChanged();
        }
    }
}
