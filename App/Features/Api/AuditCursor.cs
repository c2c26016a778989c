using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NasDash.Features.Audit;

namespace NasDash.Features.Api;

/// <summary>
/// The audit API's paging cursor: the id the next page starts below, bound to the filter it was made for, so a
/// cursor given with another query is refused instead of paging something else.
/// </summary>
public static class AuditCursor
{
    public static string Make(AuditFilter filter, long beforeId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Fingerprint(filter)}.{beforeId.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>The id, or null when the cursor is malformed or was made for another filter.</summary>
    public static long? Read(string cursor, AuditFilter filter)
    {
        if (cursor.Length > 200 || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('.');
        return parts.Length == 2 && parts[0] == Fingerprint(filter) &&
            long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
    }

    private static string Fingerprint(AuditFilter f) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\n', f.UserName, f.EventPrefix, f.From?.UtcTicks, f.To?.UtcTicks))))[..16];
}
