using NasDash.Features.Notifications;

namespace NasDash.Features.MyAccount;

/// <summary>What the addresses panel shows: the rows, and whether email addresses can receive anything on this appliance.</summary>
public sealed record MyAddressesView(IReadOnlyList<NotificationAddressRow> Rows, bool EmailAvailable)
{
    public bool Full => Rows.Count >= NotificationAddress.MaxPerAccount;
}

/// <summary>A change as the panel shows it: the core's answer and, when a code went out, what the address's server answered.</summary>
public sealed record MyAddressResult(AddressChange Change, DeliveryOutcome? Sent = null);

/// <summary>
/// The signed-in administrator's own notification addresses on /account (<see cref="CurrentActor"/>: the panel passes
/// only what the person typed): checks what was typed (the form's validator again, and that email can be sent at all),
/// lets <see cref="NotificationAddresses"/> decide, and sends a new code to its address at once, after the commit and
/// outside the account's lock, so the owner sees the server's answer.
/// </summary>
public sealed class MyAddressesService(
    NotificationAddresses addresses,
    NotificationConfiguration configuration,
    AddressDelivery delivery,
    NoticeWriter writer,
    IAccountStore accounts,
    CurrentActor me,
    TimeProvider time)
{
    public const string EmailNeedsMailServer =
        "Email addresses need the mail server (SMTP) of System › Alert services, and none is set up: ask an administrator to set it up there, or add a webhook.";

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Null when nobody is signed in.</summary>
    public async Task<MyAddressesView?> ViewAsync() =>
        await me.GetAsync() is { } actor ? new MyAddressesView(addresses.List(actor.AccountId), AddressDelivery.CanMail(configuration.Current())) : null;

    /// <summary>What keeps this address from being added, in the words shown under the field; null when the step-up may follow.</summary>
    public async Task<string?> ProblemAsync(MyAddressForm form) =>
        await me.GetAsync() is { } actor ? Problem(actor.AccountId, form) : CurrentActor.SessionEndedMessage;

    /// <summary>Adds the address (the step-up's grant is consumed by the core) and sends it its first code.</summary>
    public async Task<MyAddressResult> AddAsync(MyAddressForm form, CancellationToken cancellationToken = default)
    {
        if (await me.GetAsync() is not { } actor)
        {
            return Refused(CurrentActor.SessionEndedMessage);
        }

        if (Problem(actor.AccountId, form) is { } problem)
        {
            return Refused(problem);
        }

        var change = await addresses.AddAsync(actor.AccountId, form.AddressKind, form.Preset, form.Value, actor.ClientAddress, cancellationToken);
        return await SendCodeAsync(actor.AccountId, change, cancellationToken);
    }

    /// <summary>A new code for a pending address, sent at once; the one before stops working.</summary>
    public async Task<MyAddressResult> NewCodeAsync(Guid addressId, CancellationToken cancellationToken = default) =>
        await me.GetAsync() is { } actor
            ? await SendCodeAsync(actor.AccountId, await addresses.NewCodeAsync(actor.AccountId, addressId, actor.ClientAddress, cancellationToken), cancellationToken)
            : Refused(CurrentActor.SessionEndedMessage);

    public async Task<MyAddressResult> ConfirmAsync(Guid addressId, string? code, CancellationToken cancellationToken = default) =>
        await me.GetAsync() is { } actor
            ? new(await addresses.ConfirmAsync(actor.AccountId, addressId, code, actor.ClientAddress, cancellationToken))
            : Refused(CurrentActor.SessionEndedMessage);

    public async Task<MyAddressResult> RemoveAsync(Guid addressId, CancellationToken cancellationToken = default) =>
        await me.GetAsync() is { } actor
            ? new(await addresses.RemoveAsync(actor.AccountId, addressId, actor.ClientAddress, cancellationToken))
            : Refused(CurrentActor.SessionEndedMessage);

    private static MyAddressResult Refused(string message) => new(new AddressChange.Refused(message));

    private string? Problem(Guid accountId, MyAddressForm form)
    {
        if (MyAddressFormValidator.Problem(form) is { } typed)
        {
            return typed;
        }

        if (form.AddressKind == NotificationAddressKind.Email && !AddressDelivery.CanMail(configuration.Current()))
        {
            return EmailNeedsMailServer;
        }

        return addresses.Problem(accountId, form.AddressKind, form.Value!.Trim());
    }

    private async Task<MyAddressResult> SendCodeAsync(Guid accountId, AddressChange change, CancellationToken cancellationToken)
    {
        if (change is not AddressChange.CodeIssued issued || accounts.FindById(accountId) is not { } account ||
            account.FindNotificationAddress(issued.Row.Id) is not { } address)
        {
            return new MyAddressResult(change);
        }

        var message = writer.AddressCode(account.UserName, issued.Code, time.GetUtcNow(), issued.Row.CodeExpiresAt ?? time.GetUtcNow());
        var sent = await delivery.SendAsync(address.Target(account.UserName), configuration.Current(), message, SendTimeout, cancellationToken);
        return new MyAddressResult(change, sent);
    }
}
