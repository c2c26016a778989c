
namespace NasDash.Features.Notifications;

/// <summary>
/// Sends a message to one administrator's own address: an email through the mail server of System › Alert services
/// (to that address alone), or a webhook in the address's preset, unsigned (the appliance's secret belongs to its own
/// webhook). The sender uses it for notices, the /account page for confirmation codes.
/// </summary>
public sealed class AddressDelivery(EmailChannel email, WebhookChannel webhook, NotificationAddressSeal seal)
{
    public const string NoMailServer = "no mail server is set up in System › Alert services";

    /// <summary>Whether the alert services in force can send mail to an address of an administrator's own.</summary>
    public static bool CanMail(EffectiveNotifications settings) =>
        !string.IsNullOrWhiteSpace(settings.Email.Host) && !string.IsNullOrWhiteSpace(settings.Email.From);

    public async Task<DeliveryOutcome> SendAsync(DeliveryAddress to, EffectiveNotifications settings, NoticeMessage message, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        if (to.Kind == NotificationAddressKind.Email)
        {
            return CanMail(settings) && to.Email is { Length: > 0 } address
                ? await email.SendAsync(settings.Email with { To = [address] }, message, timeout, cancellationToken)
                : DeliveryOutcome.Failure(NoMailServer);
        }

        return seal.TryUnseal(to.ProtectedUrl) is { } url
            ? await webhook.SendAsync(new WebhookSettings(url, to.Preset, Secret: null, new HashSet<SecurityNoticeKind>()), message, timeout, cancellationToken)
            : DeliveryOutcome.Failure("the webhook's address cannot be decrypted (the Data Protection keys were lost or the address was erased)");
    }
}
