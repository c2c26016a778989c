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
/// The signed-in administrator's own notification addresses on /account: checks what was typed (the form's validator
/// again, and that email can be sent at all), lets <see cref="NotificationAddresses"/> decide, and sends a new code to
/// its address at once, after the commit and outside the account's lock, so the owner sees the server's answer.
/// </summary>
public sealed class MyAddressesService(
    NotificationAddresses addresses,
    NotificationConfiguration configuration,
    AddressDelivery delivery,
    NoticeWriter writer,
    IAccountStore accounts,
    TimeProvider time)
{
    public const string EmailNeedsMailServer =
        "Email addresses need the mail server (SMTP) of System › Alert services, and none is set up: ask an administrator to set it up there, or add a webhook.";

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(20);

    public MyAddressesView View(Guid accountId) => new(addresses.List(accountId), AddressDelivery.CanMail(configuration.Current()));

    /// <summary>What keeps this address from being added, in the words shown under the field; null when the step-up may follow.</summary>
    public string? Problem(Guid accountId, MyAddressForm form)
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

    /// <summary>Adds the address (the step-up's grant is consumed by the core) and sends it its first code.</summary>
    public async Task<MyAddressResult> AddAsync(Guid accountId, MyAddressForm form, string? client, CancellationToken cancellationToken = default)
    {
        if (Problem(accountId, form) is { } problem)
        {
            return new MyAddressResult(new AddressChange.Refused(problem));
        }

        var change = await addresses.AddAsync(accountId, form.AddressKind, form.Preset, form.Value, client, cancellationToken);
        return await SendCodeAsync(accountId, change, cancellationToken);
    }

    /// <summary>A new code for a pending address, sent at once; the one before stops working.</summary>
    public async Task<MyAddressResult> NewCodeAsync(Guid accountId, Guid addressId, string? client, CancellationToken cancellationToken = default) =>
        await SendCodeAsync(accountId, await addresses.NewCodeAsync(accountId, addressId, client, cancellationToken), cancellationToken);

    public async Task<MyAddressResult> ConfirmAsync(Guid accountId, Guid addressId, string? code, string? client, CancellationToken cancellationToken = default) =>
        new(await addresses.ConfirmAsync(accountId, addressId, code, client, cancellationToken));

    public async Task<MyAddressResult> RemoveAsync(Guid accountId, Guid addressId, string? client, CancellationToken cancellationToken = default) =>
        new(await addresses.RemoveAsync(accountId, addressId, client, cancellationToken));

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
