
namespace NasDash.Features.SecurityKeys;

/// <summary>One registered key as /account lists it.</summary>
public sealed record SecurityKeyRow(Guid Id, string Name, DateTimeOffset AddedAt, DateTimeOffset? LastUsedAt);

public sealed record SecurityKeysView(IReadOnlyList<SecurityKeyRow> Keys, bool MayAdd, bool Enrolled);

/// <summary>
/// The security keys of the signed-in administrator (<see cref="CurrentActor"/>: the page passes only what the person
/// typed), for /account and /login: what they have, whether this page's address can use keys at all (and why not),
/// and the registry's changes.
/// </summary>
public sealed class SecurityKeysService(IAccountStore accounts, SecurityKeyRegistry registry, SecurityKeyCeremonies ceremonies, CurrentActor me)
{
    public string RelyingPartyId => ceremonies.RelyingParty.Id;

    public async Task<SecurityKeysView?> ViewAsync()
    {
        var account = await me.GetAsync() is { } actor ? accounts.FindById(actor.AccountId) : null;
        return account is null ? null : new SecurityKeysView(
            [.. account.SecurityKeys.Select(k => new SecurityKeyRow(k.Id, k.Name, k.AddedAt, k.LastUsedAt))],
            account.MayAddSecurityKey, account.SecondFactor.IsEnrolled);
    }

    public SecurityKeyAvailability AvailabilityFor(string pageUri) => ceremonies.RelyingParty.AvailabilityFor(new Uri(pageUri));

    /// <summary>A sentence saying why keys cannot work from this address and what to do; null when they can.</summary>
    public string? WhyUnavailable(string pageUri, BrowserSupport? browser)
    {
        var page = new Uri(pageUri);
        var secure = ceremonies.RelyingParty.AddressToOpen();
        return AvailabilityFor(pageUri) switch
        {
            SecurityKeyAvailability.IpAddress =>
                $"Security keys are bound to a domain name, and this page was opened by IP address ({page.Host}). Open NasDash by its name, {secure}, to use them.",
            SecurityKeyAvailability.NotSecure =>
                $"Browsers offer security keys only over https (or on localhost), and this page came over plain http. Open {secure} to use them.",
            SecurityKeyAvailability.OtherHost =>
                $"Keys on this appliance belong to {RelyingPartyId}, and this page was opened as {page.Host}. Open {secure}, or set NasDash:WebAuthn:RelyingPartyId to the name you use.",
            SecurityKeyAvailability.OriginNotAllowed =>
                $"{RelyingParty.OriginOf(page)} is not among the addresses allowed for security keys. Open {secure}, or add it to NasDash:WebAuthn:Origins.",
            _ when browser is { SecureContext: false } =>
                $"This browser does not treat the page as secure, so it offers no security keys. Open {secure}.",
            _ when browser is { Api: false } =>
                "This browser does not support security keys (WebAuthn). Use a current browser, or your authenticator app.",
            _ => null,
        };
    }

    public async Task<SecurityKeyRegistration?> StartRegistrationAsync() =>
        await me.GetAsync() is { } actor ? registry.StartRegistration(actor.AccountId) : null;

    public async Task<SecurityKeyChange> CompleteRegistrationAsync(SecurityKeyRegistration registration, string? name, string? responseJson,
        CancellationToken cancellationToken = default) =>
        await me.GetAsync() is { } actor
            ? await registry.CompleteRegistrationAsync(registration, actor.AccountId, name, responseJson, actor.ClientAddress, cancellationToken)
            : NotSignedIn;

    public async Task<SecurityKeyChange> RemoveAsync(Guid keyId, CancellationToken cancellationToken = default) =>
        await me.GetAsync() is { } actor
            ? await registry.RemoveAsync(actor.AccountId, keyId, actor.ClientAddress, cancellationToken)
            : NotSignedIn;

    private static readonly SecurityKeyChange NotSignedIn = new SecurityKeyChange.Refused(CurrentActor.SessionEndedMessage);
}
