using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace NasDash.Security.Accounts;

public enum NotificationAddressKind
{
    Email,
    Webhook,
}

/// <summary>
/// One of an administrator's own notification addresses: an email address, or a webhook with the body of one of the
/// presets of System › Alert services. It receives the notices about its account only once its owner entered the code
/// sent to it. Changed only through its <see cref="Account"/>.
/// </summary>
public sealed class NotificationAddress
{
    public const int MaxPerAccount = 5;
    public const int MaxEmailLength = 254;
    public const int MaxUrlLength = 2000;
    /// <summary>Codes sent to one address: the first and at most three new ones.</summary>
    public const int MaxCodes = 4;

    // For the store's mapper, which sets the private setters from the stored document.
    private NotificationAddress()
    {
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public NotificationAddressKind Kind { get; private set; }
    /// <summary>The body a webhook gets; Json for an email address.</summary>
    public WebhookPreset Preset { get; private set; }
    /// <summary>An email address as its owner typed it (trimmed); not secret.</summary>
    public string? Email { get; private set; }
    /// <summary>A webhook's URL, encrypted with Data Protection: an ntfy topic or a Slack hook URL is a credential.</summary>
    public string? ProtectedUrl { get; private set; }
    /// <summary>What lists, the audit log and notices show: the email address, or the webhook's scheme and host with its path hidden.</summary>
    public string Shown { get; private set; } = "";
    public DateTimeOffset AddedAt { get; private set; }
    /// <summary>Set when its owner entered the code sent to it: from then on it receives notices.</summary>
    public DateTimeOffset? ConfirmedAt { get; private set; }
    /// <summary>The code waiting to be entered, while the address is pending; null once confirmed or voided by wrong tries.</summary>
    public AddressCode? Code { get; private set; }
    /// <summary>Codes sent to it so far (at most <see cref="MaxCodes"/>).</summary>
    public int CodesSent { get; private set; }

    public bool IsConfirmed => ConfirmedAt is not null;

    /// <summary>A pending address with a new code (returned in <paramref name="code"/>, to be sent to it and never stored).</summary>
    public static NotificationAddress Create(NotificationAddressKind kind, WebhookPreset preset, string? email, string? protectedUrl, string shown,
        DateTimeOffset now, out string code)
    {
        if (kind == NotificationAddressKind.Email ? string.IsNullOrEmpty(email) || protectedUrl is not null : string.IsNullOrEmpty(protectedUrl) || email is not null)
        {
            throw new ArgumentException("An email address needs its address, a webhook its sealed URL.");
        }

        var address = new NotificationAddress
        {
            Kind = kind,
            Preset = kind == NotificationAddressKind.Email ? WebhookPreset.Json : preset,
            Email = email,
            ProtectedUrl = protectedUrl,
            Shown = shown,
            AddedAt = now,
        };
        code = address.NewCode(now);
        return address;
    }

    /// <summary>"email address alice@example.com", "ntfy webhook https://ntfy.sh/…": for the audit log and notices.</summary>
    public string Describe() => Describe(Kind, Preset, Shown);

    public static string Describe(NotificationAddressKind kind, WebhookPreset preset, string shown) =>
        kind == NotificationAddressKind.Email ? $"email address {shown}" : $"{PresetName(preset)} webhook {shown}";

    public static string PresetName(WebhookPreset preset) => preset switch
    {
        WebhookPreset.Ntfy => "ntfy",
        WebhookPreset.Gotify => "Gotify",
        WebhookPreset.Slack => "Slack",
        _ => "JSON",
    };

    /// <summary>A webhook's address as shown: scheme, host and port; the path and query (where ntfy and Slack keep their secret) hidden.</summary>
    public static string Mask(Uri url)
    {
        var origin = url.IsDefaultPort ? $"{url.Scheme}://{url.Host}" : $"{url.Scheme}://{url.Host}:{url.Port}";
        return url.PathAndQuery is "/" or "" ? origin : origin + "/…";
    }

    /// <summary>Where a notice to this address goes, as it is now: the sender keeps this copy, so a later removal or deletion does not lose it.</summary>
    public DeliveryAddress Target(string owner) => new()
    {
        AddressId = Id,
        Owner = owner,
        Kind = Kind,
        Preset = Preset,
        Email = Email,
        ProtectedUrl = ProtectedUrl,
        Shown = Shown,
    };

    /// <summary>The same destination: email addresses compared without case, webhook URLs by their decrypted text.</summary>
    public bool SameDestination(NotificationAddressKind kind, string destination, NotificationAddressSeal seal) =>
        kind == Kind && (Kind == NotificationAddressKind.Email
            ? string.Equals(Email, destination, StringComparison.OrdinalIgnoreCase)
            : string.Equals(seal.TryUnseal(ProtectedUrl), destination, StringComparison.Ordinal));

    /// <summary>Whether a code may still be sent to this pending address.</summary>
    public bool MaySendCode => !IsConfirmed && CodesSent < MaxCodes;

    internal string NewCode(DateTimeOffset now)
    {
        if (!MaySendCode)
        {
            throw new InvalidOperationException($"No more codes for {Shown}.");
        }

        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        Code = AddressCode.For(code, now + AddressCode.Lifetime);
        CodesSent++;
        return code;
    }

    internal AddressCodeCheck Check(string code, DateTimeOffset now)
    {
        if (IsConfirmed)
        {
            return AddressCodeCheck.AlreadyConfirmed;
        }

        if (Code is not { } waiting)
        {
            return AddressCodeCheck.NoCode;
        }

        if (waiting.ExpiresAt <= now)
        {
            return AddressCodeCheck.Expired;
        }

        if (waiting.Matches(code))
        {
            Code = null;
            ConfirmedAt = now;
            return AddressCodeCheck.Confirmed;
        }

        waiting.WrongTries++;
        if (waiting.WrongTries >= AddressCode.WrongTriesAllowed)
        {
            Code = null;
            return AddressCodeCheck.Voided;
        }

        return AddressCodeCheck.Wrong;
    }

    internal NotificationAddress Clone()
    {
        var copy = (NotificationAddress)MemberwiseClone();
        copy.Code = Code?.Clone();
        return copy;
    }
}

/// <summary>What entering a code did to a pending address.</summary>
public enum AddressCodeCheck
{
    Confirmed,
    /// <summary>Wrong; the code stays in force with fewer tries left.</summary>
    Wrong,
    /// <summary>Wrong, and the last try: the code no longer works.</summary>
    Voided,
    Expired,
    /// <summary>No code waits (voided by wrong tries): a new one must be sent.</summary>
    NoCode,
    AlreadyConfirmed,
}

/// <summary>
/// A confirmation code as stored: 6 digits from a CSPRNG, kept only as SHA-256 under a random salt, valid for
/// <see cref="Lifetime"/> and for <see cref="WrongTriesAllowed"/> wrong tries.
/// </summary>
public sealed class AddressCode
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);
    public const int WrongTriesAllowed = 5;

    public byte[] Salt { get; set; } = [];
    public byte[] Hash { get; set; } = [];
    public DateTimeOffset ExpiresAt { get; set; }
    public int WrongTries { get; set; }

    public int TriesLeft => Math.Max(0, WrongTriesAllowed - WrongTries);

    internal static AddressCode For(string code, DateTimeOffset expiresAt)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return new AddressCode { Salt = salt, Hash = HashOf(salt, code), ExpiresAt = expiresAt };
    }

    internal bool Matches(string code) => CryptographicOperations.FixedTimeEquals(HashOf(Salt, code), Hash);

    internal AddressCode Clone() => new() { Salt = Salt, Hash = Hash, ExpiresAt = ExpiresAt, WrongTries = WrongTries };

    /// <summary>The 6 digits of what someone typed (spaces and dashes ignored); null for anything else.</summary>
    public static string? Normalize(string? typed)
    {
        if (typed is null || typed.Length > 32)
        {
            return null;
        }

        var digits = new string([.. typed.Where(c => c is not (' ' or '-'))]);
        return digits.Length == 6 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    private static byte[] HashOf(byte[] salt, string code) => SHA256.HashData([.. salt, .. Encoding.ASCII.GetBytes(code)]);
}

/// <summary>
/// A copy of an address made when a notice is queued, kept in that notice's delivery: a notice reaches the addresses of
/// the moment of its event, the removed address its own removal and a deleted administrator's addresses the deletion.
/// The sender erases the sealed URL once the delivery is done.
/// </summary>
public sealed class DeliveryAddress
{
    public Guid AddressId { get; set; }
    /// <summary>The administrator the address belongs to.</summary>
    public string Owner { get; set; } = "";
    public NotificationAddressKind Kind { get; set; }
    public WebhookPreset Preset { get; set; }
    public string? Email { get; set; }
    public string? ProtectedUrl { get; set; }
    public string Shown { get; set; } = "";

    /// <summary>The delivery's target key: one per address, for the sender's failure count and alert.</summary>
    public static string TargetOf(Guid addressId) => $"address:{addressId:N}";

    /// <summary>"email to alice's address alice@example.com": for the audit log and alerts.</summary>
    public string Words() => $"{(Kind == NotificationAddressKind.Email ? "email" : "webhook")} to {Owner}'s address {Shown}";
}

/// <summary>Encrypts webhook addresses at rest with Data Protection (keys in the data directory).</summary>
public sealed class NotificationAddressSeal(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("NasDash.NotificationAddress.v1");

    public string Seal(string url) => _protector.Protect(url);

    /// <summary>Null when there is none or it cannot be decrypted (Data Protection keys lost).</summary>
    public string? TryUnseal(string? sealedUrl)
    {
        if (string.IsNullOrEmpty(sealedUrl))
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(sealedUrl);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
