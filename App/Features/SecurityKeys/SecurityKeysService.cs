
namespace NasDash.Features.SecurityKeys;

/// <summary>One registered key as /account lists it.</summary>
public sealed record SecurityKeyRow(Guid Id, string Name, DateTimeOffset AddedAt, DateTimeOffset? LastUsedAt);

public sealed record SecurityKeysView(IReadOnlyList<SecurityKeyRow> Keys, bool MayAdd, bool Enrolled);

/// <summary>
/// The security keys of the signed-in administrator, for /account and /login: what they have, whether this page's
/// address can use keys at all (and why not), and the registry's changes.
/// </summary>
public sealed class SecurityKeysService(IAccountStore accounts, SecurityKeyRegistry registry, SecurityKeyCeremonies ceremonies)
{
    public string RelyingPartyId => ceremonies.RelyingParty.Id;

    public SecurityKeysView? View(Guid accountId)
    {
        var account = accounts.FindById(accountId);
        return account is null ? null : new SecurityKeysView(
            [.. account.SecurityKeys.Select(k => new SecurityKeyRow(k.Id, k.Name, k.AddedAt, k.LastUsedAt))],
            account.MayAddSecurityKey, account.IsEnrolled);
    }

    public SecurityKeyAvailability AvailabilityFor(string pageUri) => ceremonies.RelyingParty.AvailabilityFor(new Uri(pageUri));

    /// <summary>A sentence saying why keys cannot work from this address and what to do; null when they can.</summary>
    public string? WhyUnavailable(string pageUri, BrowserSupport? browser)
    {
        var page = new Uri(pageUri);
        var secure = $"https://{RelyingPartyId}/";
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

    public SecurityKeyRegistration? StartRegistration(Guid accountId) => registry.StartRegistration(accountId);

    public Task<SecurityKeyChange> CompleteRegistrationAsync(SecurityKeyRegistration registration, Guid accountId, string? name, string? responseJson,
        string? client, CancellationToken cancellationToken = default) =>
        registry.CompleteRegistrationAsync(registration, accountId, name, responseJson, client, cancellationToken);

    public Task<SecurityKeyChange> RemoveAsync(Guid accountId, Guid keyId, string? client, CancellationToken cancellationToken = default) =>
        registry.RemoveAsync(accountId, keyId, client, cancellationToken);
}
