using System.Globalization;

namespace NasDash.Security.Addresses;

/// <summary>An address as its owner's list shows it: never a webhook's full URL, never a code.</summary>
public sealed record NotificationAddressRow(
    Guid Id,
    NotificationAddressKind Kind,
    WebhookPreset Preset,
    string Shown,
    DateTimeOffset AddedAt,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset? CodeExpiresAt,
    int TriesLeft,
    int CodesLeft)
{
    public bool IsConfirmed => ConfirmedAt is not null;

    public string Describe() => NotificationAddress.Describe(Kind, Preset, Shown);
}

/// <summary>What a change to an address came to. Code is the plaintext code to send to the address: never stored, never logged.</summary>
public abstract record AddressChange
{
    private AddressChange()
    {
    }

    /// <summary>Added (pending), or given a new code: <paramref name="Code"/> goes to it now.</summary>
    public sealed record CodeIssued(NotificationAddressRow Row, string Code) : AddressChange;
    public sealed record Confirmed(NotificationAddressRow Row) : AddressChange;
    /// <summary>A wrong code; <paramref name="TriesLeft"/> more before it stops working.</summary>
    public sealed record WrongCode(int TriesLeft) : AddressChange;
    public sealed record Removed(NotificationAddressRow Row) : AddressChange;
    /// <summary>Message is a sentence for the page; nothing changed, no step-up was used.</summary>
    public sealed record Refused(string Message) : AddressChange;
    /// <summary>No step-up was accepted for this change.</summary>
    public sealed record StepUpRequired : AddressChange;
}

/// <summary>
/// The administrator's own notification addresses: added and removed after a step-up (the grant is consumed here),
/// confirmed with the 6-digit code sent to the address, each change decided under the account's lock and committed
/// through the ledger with its audit entry and its notice to the account's other addresses and the appliance's targets.
/// Whoever calls this has checked what the owner typed (<c>MyAddressFormValidator</c>); it checks the invariants again.
/// </summary>
public sealed class NotificationAddresses(
    IAccountStore accounts,
    AccountLocks locks,
    StepUp stepUp,
    SecurityLedger ledger,
    NotificationAddressSeal seal,
    TimeProvider time)
{
    public static StepUpPurpose AddPurpose { get; } = new("account.address-add", "Add a notification address");
    public static StepUpPurpose RemovePurpose { get; } = new("account.address-remove", "Remove a notification address");

    private const string Unavailable = "Your account cannot change its notification addresses right now. Sign in again.";

    public IReadOnlyList<NotificationAddressRow> List(Guid accountId) =>
        accounts.FindById(accountId) is { } account ? [.. account.NotificationAddresses.Select(Row)] : [];

    /// <summary>Why this address cannot be added now (too many, the same one again), or null; asked before the step-up so none is wasted.</summary>
    public string? Problem(Guid accountId, NotificationAddressKind kind, string destination) =>
        accounts.FindById(accountId) is { } account ? Problem(account, kind, destination) : Unavailable;

    /// <summary>Adds a pending address after a step-up for <see cref="AddPurpose"/>; its first code is returned, to be sent to it.</summary>
    public async Task<AddressChange> AddAsync(Guid accountId, NotificationAddressKind kind, WebhookPreset preset, string? destination, string? client,
        CancellationToken cancellationToken = default)
    {
        if (Checked(kind, destination) is not { } value)
        {
            return new AddressChange.Refused("That address cannot be used: check what you typed.");
        }

        if (Problem(accountId, kind, value) is { } problem)
        {
            return new AddressChange.Refused(problem);
        }

        if (!stepUp.TryConsumeGrant(accountId, AddPurpose))
        {
            return new AddressChange.StepUpRequired();
        }

        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        // Again under the lock: another circuit of the same account may have added meanwhile.
        if (locked is null || Problem(locked.Account, kind, value) is not null)
        {
            return new AddressChange.Refused(locked is null ? Unavailable : Problem(locked.Account, kind, value)!);
        }

        var account = locked.Account;
        var now = time.GetUtcNow();
        var address = kind == NotificationAddressKind.Email
            ? NotificationAddress.Create(kind, preset, value, null, value, now, out var code)
            : NotificationAddress.Create(kind, preset, null, seal.Seal(value), NotificationAddress.Mask(new Uri(value)), now, out code);
        account.NotificationAddressAdded(address, client);
        ledger.Commit(account, Entry(account, client, AuditNames.AccountAddressAdded, "succeeded", $"{address.Describe()}; pending: {CodeText(address)}"));
        return new AddressChange.CodeIssued(Row(address), code);
    }

    /// <summary>A new code for a pending address (at most <see cref="NotificationAddress.MaxCodes"/> in all); the one before stops working.</summary>
    public async Task<AddressChange> NewCodeAsync(Guid accountId, Guid addressId, string? client, CancellationToken cancellationToken = default)
    {
        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        var account = locked?.Account;
        var address = account?.FindNotificationAddress(addressId);
        if (account is null || address is null || account.State != AccountState.Normal)
        {
            return new AddressChange.Refused(account is null || account.State != AccountState.Normal ? Unavailable : "That address is not on your account.");
        }

        if (address.IsConfirmed)
        {
            return new AddressChange.Refused("That address is confirmed already.");
        }

        if (!address.MaySendCode)
        {
            return new AddressChange.Refused($"{NotificationAddress.MaxCodes} codes were sent to this address already: remove it and add it again.");
        }

        var code = account.NotificationAddressCodeRenewed(addressId, time.GetUtcNow());
        ledger.Commit(account, Entry(account, client, AuditNames.AccountAddressCodeSent, "issued", $"{address.Describe()}; {CodeText(address)}"));
        return new AddressChange.CodeIssued(Row(address), code);
    }

    /// <summary>The code sent to a pending address: right confirms it, wrong counts one of its tries (a malformed one counts nothing).</summary>
    public async Task<AddressChange> ConfirmAsync(Guid accountId, Guid addressId, string? typed, string? client, CancellationToken cancellationToken = default)
    {
        if (AddressCode.Normalize(typed) is not { } code)
        {
            return new AddressChange.Refused("Enter the 6-digit code sent to the address.");
        }

        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        var account = locked?.Account;
        var address = account?.FindNotificationAddress(addressId);
        if (account is null || account.State != AccountState.Normal)
        {
            return new AddressChange.Refused(Unavailable);
        }

        if (address is null)
        {
            return new AddressChange.Refused("That address is not on your account.");
        }

        var check = account.NotificationAddressCodeEntered(addressId, code, time.GetUtcNow(), client);
        var (outcome, detail) = check switch
        {
            AddressCodeCheck.Confirmed => ("confirmed", "it receives the account's notices from now on"),
            AddressCodeCheck.Wrong => ("failed", $"wrong code, {address.Code?.TriesLeft} tries left"),
            AddressCodeCheck.Voided => ("voided", $"wrong code, the {AddressCode.WrongTriesAllowed}th: the code no longer works"),
            AddressCodeCheck.Expired => ("expired", "the code had expired"),
            AddressCodeCheck.NoCode => ("refused", "no code was waiting"),
            _ => (null, null),
        };
        if (outcome is not null)
        {
            ledger.Commit(account, Entry(account, client, AuditNames.AccountAddressConfirmed, outcome, $"{address.Describe()}; {detail}"));
        }

        var more = address.MaySendCode ? "send a new code" : "remove the address and add it again";
        return check switch
        {
            AddressCodeCheck.Confirmed => new AddressChange.Confirmed(Row(address)),
            AddressCodeCheck.Wrong => new AddressChange.WrongCode(address.Code?.TriesLeft ?? 0),
            AddressCodeCheck.Voided => new AddressChange.Refused($"That code is not right, and it was the last try: {more}."),
            AddressCodeCheck.Expired => new AddressChange.Refused($"That code has expired: {more}."),
            AddressCodeCheck.NoCode => new AddressChange.Refused($"No code is waiting for this address: {more}."),
            _ => new AddressChange.Refused("That address is confirmed already."),
        };
    }

    /// <summary>Removes an address after a step-up for <see cref="RemovePurpose"/>.</summary>
    public async Task<AddressChange> RemoveAsync(Guid accountId, Guid addressId, string? client, CancellationToken cancellationToken = default)
    {
        var known = accounts.FindById(accountId)?.FindNotificationAddress(addressId);
        if (known is null)
        {
            return new AddressChange.Refused("That address is not on your account (any more).");
        }

        if (!stepUp.TryConsumeGrant(accountId, RemovePurpose))
        {
            return new AddressChange.StepUpRequired();
        }

        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        var account = locked?.Account;
        var address = account?.FindNotificationAddress(addressId);
        if (account is null || account.State != AccountState.Normal || address is null)
        {
            return new AddressChange.Refused(address is null ? "That address is not on your account (any more)." : Unavailable);
        }

        account.NotificationAddressRemoved(addressId, client);
        ledger.Commit(account, Entry(account, client, AuditNames.AccountAddressRemoved, "succeeded",
            address.Describe() + (address.IsConfirmed ? "" : " (it was pending)")));
        return new AddressChange.Removed(Row(address));
    }

    /// <summary>The trimmed address when it is of its kind's shape and size and holds no control character; null otherwise.</summary>
    public static string? Checked(NotificationAddressKind kind, string? destination)
    {
        var value = destination?.Trim();
        if (string.IsNullOrEmpty(value) || UntrustedText.HasControlCharacters(value))
        {
            return null;
        }

        return kind switch
        {
            NotificationAddressKind.Email when value.Length <= NotificationAddress.MaxEmailLength && AddressRules.IsEmailAddress(value) => value,
            NotificationAddressKind.Webhook when value.Length <= NotificationAddress.MaxUrlLength && AddressRules.IsWebAddress(value) => value,
            _ => null,
        };
    }

    private string? Problem(Account account, NotificationAddressKind kind, string destination) =>
        account.State != AccountState.Normal ? Unavailable
        : !account.MayAddNotificationAddress ? $"You have {NotificationAddress.MaxPerAccount} addresses already: remove one first."
        : account.NotificationAddresses.Any(a => a.SameDestination(kind, destination, seal)) ? "You have added this address already."
        : null;

    private static NotificationAddressRow Row(NotificationAddress a) =>
        new(a.Id, a.Kind, a.Preset, a.Shown, a.AddedAt, a.ConfirmedAt, a.Code?.ExpiresAt, a.Code?.TriesLeft ?? 0, NotificationAddress.MaxCodes - a.CodesSent);

    private static string CodeText(NotificationAddress a) =>
        $"code {a.CodesSent} of {NotificationAddress.MaxCodes} issued, valid until " +
        a.Code!.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private AuditEvent Entry(Account account, string? client, AuditName name, string outcome, string detail) =>
        new() { At = time.GetUtcNow(), UserName = account.UserName, ClientAddress = client, Event = name.Id, Outcome = outcome, Detail = detail };
}
