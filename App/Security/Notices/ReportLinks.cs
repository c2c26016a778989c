using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace NasDash.Security.Notices;

/// <summary>
/// A "This wasn't me" link of one notice: <c>&lt;dashboard&gt;/report/&lt;token&gt;</c>. Only the SHA-256 of the token is
/// stored in the clear; the token itself waits, encrypted, in its outbox notice until the notice is written.
/// </summary>
public sealed class NotMeReport
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>SHA-256 of the token's text, upper-case hex.</summary>
    public string TokenHash { get; set; } = "";
    public Guid AccountId { get; set; }
    public string UserName { get; set; } = "";
    /// <summary>What the notice carrying the link was about.</summary>
    public SecurityNoticeKind NoticeKind { get; set; }
    /// <summary>When the event of that notice happened.</summary>
    public DateTimeOffset At { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>Set by the one confirmation the link allows.</summary>
    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>Makes the tokens of the links when the ledger queues notices, and reads them back when a notice is written.</summary>
public sealed class ReportLinks(IReportTokens reports, IAccountStore accounts, IDataProtectionProvider protection)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);
    public const string Path = "/report/";
    private const int TokenBytes = 16;

    private readonly IDataProtector _protector = protection.CreateProtector("NasDash.ReportToken.v1");

    /// <summary>
    /// Inside the transaction that queues them: gives every notice about an existing account its own token.
    /// <paramref name="account"/> is the account of the commit when there is one (it may not be stored yet).
    /// </summary>
    public void Attach(IReadOnlyList<OutboxNotice> notices, Account? account)
    {
        foreach (var notice in notices)
        {
            if (notice.UserName is not { Length: > 0 } user)
            {
                continue;
            }

            var accountId = account is not null && string.Equals(account.NormalizedUserName, Account.Normalize(user), StringComparison.Ordinal)
                ? account.Id
                : accounts.FindByName(user)?.Id;
            if (accountId is not { } id)
            {
                continue;
            }

            var token = Base64Url(RandomNumberGenerator.GetBytes(TokenBytes));
            reports.InsertReport(new NotMeReport
            {
                TokenHash = Hash(token),
                AccountId = id,
                UserName = user,
                NoticeKind = notice.Kind,
                At = notice.At,
                ExpiresAt = notice.At + Lifetime,
            });
            notice.ProtectedReportToken = Convert.ToBase64String(_protector.Protect(Encoding.UTF8.GetBytes(token)));
        }
    }

    /// <summary>The token of a notice, or null when it has none or it cannot be decrypted (keys lost).</summary>
    public string? TokenOf(OutboxNotice notice)
    {
        if (notice.ProtectedReportToken is not { Length: > 0 } sealedToken)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(_protector.Unprotect(Convert.FromBase64String(sealedToken)));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The stored form of a token: SHA-256 of its text, upper-case hex.</summary>
    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>True for text shaped like a token (22 base64url characters); anything else is unknown without a look-up.</summary>
    public static bool IsWellFormed(string? token) =>
        token is { Length: 22 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
