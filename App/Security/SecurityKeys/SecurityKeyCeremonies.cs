using System.Formats.Cbor;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;

namespace NasDash.Security.SecurityKeys;

/// <summary>A registration ceremony begun for one account: the options the browser passes to navigator.credentials.create.</summary>
public sealed class SecurityKeyRegistration
{
    internal SecurityKeyRegistration(Guid accountId, CredentialCreateOptions options, DateTimeOffset expiresAt)
    {
        AccountId = accountId;
        Options = options;
        ExpiresAt = expiresAt;
    }

    public Guid AccountId { get; }
    public DateTimeOffset ExpiresAt { get; }
    /// <summary>PublicKeyCredentialCreationOptions as JSON, binary fields base64url-encoded.</summary>
    public string OptionsJson => Options.ToJson();
    internal CredentialCreateOptions Options { get; }
}

/// <summary>An authentication ceremony begun for one account: the options for navigator.credentials.get.</summary>
public sealed class SecurityKeyAssertion
{
    internal SecurityKeyAssertion(Guid accountId, AssertionOptions options, DateTimeOffset expiresAt)
    {
        AccountId = accountId;
        Options = options;
        ExpiresAt = expiresAt;
    }

    public Guid AccountId { get; }
    public DateTimeOffset ExpiresAt { get; }
    /// <summary>PublicKeyCredentialRequestOptions as JSON, binary fields base64url-encoded.</summary>
    public string OptionsJson => Options.ToJson();
    internal AssertionOptions Options { get; }
}

public abstract record RegistrationCheck
{
    private RegistrationCheck()
    {
    }

    public sealed record Verified(byte[] CredentialId, byte[] PublicKey, uint SignatureCounter) : RegistrationCheck;
    /// <summary>Reason is for the audit log, not for the page.</summary>
    public sealed record Refused(string Reason) : RegistrationCheck;
}

public abstract record AssertionCheck
{
    private AssertionCheck()
    {
    }

    /// <summary>Signature, challenge, origin and relying party hold; the counter is the account's to judge.</summary>
    public sealed record Verified(SecurityKey Key, uint SignatureCounter) : AssertionCheck;
    /// <summary>Reason is for the audit log, not for the page.</summary>
    public sealed record Refused(string Reason) : AssertionCheck;
}

/// <summary>
/// The WebAuthn ceremonies, verified by the Fido2 library against the configured relying party: challenge,
/// origin, relying-party id hash, user presence, signature and (for registration) the 'none' or a self
/// attestation. It changes no account: the callers decide under the account's lock and commit.
/// </summary>
public sealed class SecurityKeyCeremonies(RelyingPartySource relyingParty, TimeProvider time)
{
    public static readonly TimeSpan CeremonyLifetime = TimeSpan.FromMinutes(2);

    public RelyingParty RelyingParty => relyingParty.Current;

    public SecurityKeyRegistration StartRegistration(Account account)
    {
        var options = Library().RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = UserHandle(account), Name = account.UserName, DisplayName = account.UserName },
            ExcludeCredentials = Descriptors(account),
            AuthenticatorSelection = new AuthenticatorSelection
            {
                // Sign-in names the account first, so a key need not spend one of its few resident slots on NasDash.
                ResidentKey = ResidentKeyRequirement.Discouraged,
                UserVerification = UserVerificationRequirement.Preferred,
            },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        return new SecurityKeyRegistration(account.Id, options, time.GetUtcNow() + CeremonyLifetime);
    }

    public async Task<RegistrationCheck> VerifyRegistrationAsync(SecurityKeyRegistration registration, string? responseJson,
        Func<byte[], bool> isCredentialIdUnused, CancellationToken cancellationToken = default)
    {
        if (registration.ExpiresAt <= time.GetUtcNow())
        {
            return new RegistrationCheck.Refused("the registration took too long");
        }

        try
        {
            var response = Parse<AuthenticatorAttestationRawResponse>(responseJson);
            var credential = await Library().MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = registration.Options,
                IsCredentialIdUniqueToUserCallback = (p, _) => Task.FromResult(isCredentialIdUnused(p.CredentialId)),
            }, cancellationToken);
            return new RegistrationCheck.Verified(credential.Id, credential.PublicKey, credential.SignCount);
        }
        catch (Exception ex) when (IsBadResponse(ex))
        {
            return new RegistrationCheck.Refused(Reason(ex));
        }
    }

    public SecurityKeyAssertion StartAssertion(Account account)
    {
        var options = Library().GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = Descriptors(account),
            UserVerification = UserVerificationRequirement.Preferred,
        });
        return new SecurityKeyAssertion(account.Id, options, time.GetUtcNow() + CeremonyLifetime);
    }

    /// <summary>Verifies an assertion for <paramref name="account"/>, read under its lock.</summary>
    public async Task<AssertionCheck> VerifyAssertionAsync(SecurityKeyAssertion assertion, string? responseJson, Account account, CancellationToken cancellationToken = default)
    {
        if (assertion.AccountId != account.Id)
        {
            return new AssertionCheck.Refused("the ceremony was begun for another account");
        }

        if (assertion.ExpiresAt <= time.GetUtcNow())
        {
            return new AssertionCheck.Refused("the sign-in with the key took too long");
        }

        try
        {
            var response = Parse<AuthenticatorAssertionRawResponse>(responseJson);
            var key = account.FindSecurityKey(response.RawId ?? []);
            if (key is null)
            {
                return new AssertionCheck.Refused("not a security key of this account");
            }

            var handle = UserHandle(account);
            var verified = await Library().MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = assertion.Options,
                StoredPublicKey = key.PublicKey,
                StoredSignatureCounter = (uint)key.SignatureCounter,
                IsUserHandleOwnerOfCredentialIdCallback = (p, _) => Task.FromResult(p.UserHandle.AsSpan().SequenceEqual(handle) && key.Holds(p.CredentialId)),
            }, cancellationToken);
            return new AssertionCheck.Verified(key, verified.SignCount);
        }
        catch (Exception ex) when (IsBadResponse(ex))
        {
            return new AssertionCheck.Refused(Reason(ex));
        }
    }

    /// <summary>The WebAuthn user handle: the account id, which names no one.</summary>
    public static byte[] UserHandle(Account account) => account.Id.ToByteArray();

    private Fido2 Library()
    {
        var party = relyingParty.Current;
        return new Fido2(new Fido2Configuration
        {
            RPID = party.Id,
            RPName = party.Name,
            Origins = party.Origins,
            Timeout = (uint)CeremonyLifetime.TotalMilliseconds,
        });
    }

    private static PublicKeyCredentialDescriptor[] Descriptors(Account account) =>
        [.. account.SecurityKeys.Select(k => new PublicKeyCredentialDescriptor(k.CredentialId))];

    private static T Parse<T>(string? json)
        where T : class =>
        string.IsNullOrWhiteSpace(json)
            ? throw new JsonException("empty response")
            : JsonSerializer.Deserialize<T>(json) ?? throw new JsonException("empty response");

    // The library's message can quote the response (its origin, its JSON): the audit gets a fixed word and the library's code.
    private static string Reason(Exception ex) => ex switch
    {
        Fido2VerificationException verification => $"verification failed ({verification.Code})",
        JsonException or CborContentException or FormatException => "malformed response",
        _ => "unusable response",
    };

    // Whatever a browser (or an attacker posing as one) sends must end in a refusal, never in an error page.
    private static bool IsBadResponse(Exception ex) =>
        ex is Fido2VerificationException or JsonException or CborContentException or FormatException or ArgumentException
            or InvalidOperationException or NotSupportedException or OverflowException or IndexOutOfRangeException or NullReferenceException;
}
