using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NasDash.Security;

/// <summary>What a sheet of backup codes says, whether it is downloaded (.txt, .json) or printed.</summary>
public sealed record BackupCodeSheet(string Host, string Url, string User, DateTimeOffset GeneratedAt, int RequiredAtRecovery, IReadOnlyList<string> Codes)
{
    public string GeneratedAtUtc => GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The .txt and .json download formats of CONTRACT.md, and the instructions the printed sheet repeats.</summary>
public static class BackupCodeFiles
{
    public static string TextFileName(string host, string user) => $"nasdash-backup-codes-{SafeName(host)}-{SafeName(user)}.txt";
    public static string JsonFileName(string host, string user) => $"nasdash-backup-codes-{SafeName(host)}-{SafeName(user)}.json";

    /// <summary>How a person uses the codes, one sentence a line, for the .txt and the printed sheet.</summary>
    public static IReadOnlyList<string> HowToUse(BackupCodeSheet sheet) =>
    [
        $"To sign in without your authenticator app: open {sheet.Url}, enter your user name and password, choose \"Use backup codes\" and type {CodesNeeded(sheet.RequiredAtRecovery)} from this sheet together.",
        $"A recovery needs {CodesNeeded(sheet.RequiredAtRecovery)} at the same time; one wrong code fails the whole attempt.",
        RecoveryEffect,
        "Generating a new batch (My account › Backup codes) voids every code on this sheet.",
    ];

    /// <summary>What a completed recovery does to the batch.</summary>
    public const string RecoveryEffect =
        "After a recovery you set up your authenticator app again and save a new batch; the codes on this sheet then stop working.";

    public static string Text(BackupCodeSheet sheet)
    {
        var sb = new StringBuilder();
        sb.AppendLine("NasDash backup codes");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Host: {sheet.Host}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"URL: {sheet.Url}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"User: {sheet.User}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Generated: {sheet.GeneratedAtUtc}");
        sb.AppendLine();
        foreach (var line in HowToUse(sheet))
        {
            sb.AppendLine(line);
        }

        sb.AppendLine();
        foreach (var code in sheet.Codes)
        {
            sb.AppendLine(code);
        }

        return sb.ToString();
    }

    public static string Json(BackupCodeSheet sheet) =>
        JsonSerializer.Serialize(new BackupCodeDocument(
            "nasdash-backup-codes", 1, sheet.Host, sheet.Url, sheet.User, sheet.GeneratedAtUtc, sheet.RequiredAtRecovery, sheet.Codes), JsonOptions);

    private static string CodesNeeded(int count) => count == 1 ? "1 code" : $"{count} codes";

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    private sealed record BackupCodeDocument(string Format, int Version, string Host, string Url, string User, string GeneratedAt, int RequiredAtRecovery, IReadOnlyList<string> Codes);

    private static string SafeName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}
