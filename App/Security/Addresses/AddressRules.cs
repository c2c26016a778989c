namespace NasDash.Security.Addresses;

/// <summary>
/// What NasDash accepts as an email address or a webhook address, for System › Alert services and for each
/// administrator's own addresses alike.
/// </summary>
public static class AddressRules
{
    public const string NotAWebAddress = "Enter an http:// or https:// address of a server; files and other kinds of address are refused.";

    /// <summary>A bare address only: a display name ("Alice &lt;a@b&gt;") would hide which address was meant.</summary>
    public static bool IsEmailAddress(string address) =>
        System.Net.Mail.MailAddress.TryCreate(address, out var parsed) && string.Equals(parsed.Address, address.Trim(), StringComparison.Ordinal);

    /// <summary>An http:// or https:// address of a server: no file, UNC path or other scheme.</summary>
    public static bool IsWebAddress(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) &&
        !string.IsNullOrEmpty(uri.Host) && !uri.IsFile && !uri.IsUnc;
}
