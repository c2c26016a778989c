namespace NasDash.Security.SecurityKeys;

public abstract record SecurityKeyChange
{
    private SecurityKeyChange()
    {
    }

    public sealed record Added(Guid KeyId, string Name) : SecurityKeyChange;
    /// <summary>Removed; the stamp rotated, so the ticket signs this browser in again.</summary>
    public sealed record Removed(string Name, string SignInTicket) : SecurityKeyChange;
    /// <summary>Message is a sentence for the page; nothing was changed.</summary>
    public sealed record Refused(string Message) : SecurityKeyChange;
}

/// <summary>
/// An administrator's own security keys: registered and removed only after a step-up with the authenticator
/// (the grant is consumed here, not taken on the page's word), each change decided under the account's lock and
/// committed with its audit entry.
/// </summary>
public sealed class SecurityKeyRegistry(
    IAccountStore accounts,
    ISettingsStore settings,
    AccountLocks locks,
    StepUp stepUp,
    SecurityKeyCeremonies ceremonies,
    PendingSignIns pending,
    SecurityEvents events,
    SecurityLedger ledger,
    TimeProvider time)
{
    public static StepUpPurpose RegisterPurpose { get; } = new("account.security-key-register", "Register a security key");
    public static StepUpPurpose RemovePurpose { get; } = new("account.security-key-remove", "Remove a security key");

    /// <summary>Null unless the account may add a key and a step-up for <see cref="RegisterPurpose"/> was just accepted.</summary>
    public SecurityKeyRegistration? StartRegistration(Guid accountId)
    {
        var account = accounts.FindById(accountId);
        return account is { MayAddSecurityKey: true } && stepUp.TryConsumeGrant(accountId, RegisterPurpose)
            ? ceremonies.StartRegistration(account)
            : null;
    }

    public async Task<SecurityKeyChange> CompleteRegistrationAsync(SecurityKeyRegistration registration, Guid accountId, string? name,
        string? responseJson, string? client, CancellationToken cancellationToken = default)
    {
        var keyName = SecurityKey.NormalizeName(name);
        if (keyName is null)
        {
            return new SecurityKeyChange.Refused(SecurityKey.NameProblem(name) ?? $"Give the key a name of 1 to {SecurityKey.MaxNameLength} characters.");
        }

        using var locked = registration.AccountId == accountId ? await locks.LockAsync(accounts, accountId, cancellationToken) : null;
        var account = locked?.Account;
        if (account is not { MayAddSecurityKey: true })
        {
            return new SecurityKeyChange.Refused("Your account cannot register a security key right now.");
        }

        var check = await ceremonies.VerifyRegistrationAsync(registration, responseJson, IsUnused, cancellationToken);
        if (check is not RegistrationCheck.Verified verified)
        {
            ledger.Commit(account, Entry(account.UserName, client, AuditNames.AccountSecurityKeyAdded.Id, "refused", ((RegistrationCheck.Refused)check).Reason));
            return new SecurityKeyChange.Refused("The key could not be registered. Try again, or try another key.");
        }

        var key = SecurityKey.Create(verified.CredentialId, verified.PublicKey, verified.SignatureCounter, keyName, time.GetUtcNow());
        account.SecurityKeyAdded(key);
        ledger.Commit(account, Entry(account.UserName, client, AuditNames.AccountSecurityKeyAdded.Id, "succeeded", $"key '{key.Name}'"));
        events.NotifyChanged();
        return new SecurityKeyChange.Added(key.Id, key.Name);
    }

    /// <summary>Removes a key after a step-up for <see cref="RemovePurpose"/>; the user's other sessions end.</summary>
    public async Task<SecurityKeyChange> RemoveAsync(Guid accountId, Guid keyId, string? client, CancellationToken cancellationToken = default)
    {
        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        var account = locked?.Account;
        var key = account?.SecurityKeys.FirstOrDefault(k => k.Id == keyId);
        if (account is not { AcceptsSecurityKeys: true } || key is null)
        {
            return new SecurityKeyChange.Refused("That key is not registered to your account any more.");
        }

        var policy = settings.Get().TwoFactor;
        if (!account.MayRemoveSecurityKey(keyId, policy))
        {
            return new SecurityKeyChange.Refused("That key is your last second factor; 2FA is required, so it stays.");
        }

        if (!stepUp.TryConsumeGrant(accountId, RemovePurpose))
        {
            return new SecurityKeyChange.Refused("Confirm with a code from your authenticator first.");
        }

        account.SecurityKeyRemoved(keyId, policy);
        ledger.Commit(account, Entry(account.UserName, client, AuditNames.AccountSecurityKeyRemoved.Id, "succeeded", $"key '{key.Name}'"));
        events.EndSessions(account.Id);
        return new SecurityKeyChange.Removed(key.Name, pending.IssueTicket(account, enrolment: false));
    }

    // A credential id names one key of one account: the same key registered twice would make sign-in ambiguous.
    private bool IsUnused(byte[] credentialId) => accounts.All().All(a => a.FindSecurityKey(credentialId) is null);

    private AuditEvent Entry(string user, string? client, string name, string outcome, string detail) => new()
    {
        At = time.GetUtcNow(),
        UserName = user,
        ClientAddress = client,
        Event = name,
        Outcome = outcome,
        Detail = detail,
    };
}
