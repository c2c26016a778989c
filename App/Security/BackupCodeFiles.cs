using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NasDash.Security;

/// <summary>The .txt and .json download formats of CONTRACT.md.</summary>
public static class BackupCodeFiles
{
    public static string TextFileName(string user) => $"nasdash-backup-codes-{SafeName(user)}.txt";
    public static string JsonFileName(string user) => $"nasdash-backup-codes-{SafeName(user)}.json";

    public static string Text(string host, string user, DateTimeOffset generatedAt, int requiredAtRecovery, IReadOnlyList<string> codes)
    {
        var sb = new StringBuilder();
        sb.AppendLine("NasDash backup codes");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Host: {host}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"User: {user}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Generated: {generatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Each code works once; recovery needs {requiredAtRecovery} codes at the same time.");
        sb.AppendLine();
        foreach (var code in codes)
        {
            sb.AppendLine(code);
        }

        return sb.ToString();
    }

    public static string Json(string host, string user, DateTimeOffset generatedAt, int requiredAtRecovery, IReadOnlyList<string> codes) =>
        JsonSerializer.Serialize(new BackupCodeDocument(
            "nasdash-backup-codes", 1, host, user,
            generatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            requiredAtRecovery, codes), JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    private sealed record BackupCodeDocument(string Format, int Version, string Host, string User, string GeneratedAt, int RequiredAtRecovery, IReadOnlyList<string> Codes);

    private static string SafeName(string user) =>
        new(user.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}
