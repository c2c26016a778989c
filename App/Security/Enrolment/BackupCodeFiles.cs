using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NasDash.Security.Enrolment;

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
        $"To sign in without your authenticator app: open {sheet.Url}, enter your user name and password, choose \"Use backup codes\" and type {CodesNeeded(sheet.RequiredAtRecovery)} from this sheet together; one wrong code fails the whole attempt.",
        RecoveryRule(sheet.RequiredAtRecovery),
        "Generating a new set (My account › Backup codes) also replaces every code on this sheet.",
    ];

    /// <summary>
    /// What a recovery does to the set, in the words every page, file and sheet uses: the codes are no countdown,
    /// a recovery spends M of them at once and the whole set goes with it.
    /// </summary>
    public static string RecoveryRule(int requiredAtRecovery) =>
        $"A recovery uses {CodesNeeded(requiredAtRecovery)} of this set at once and replaces the whole set; afterwards you set up your authenticator app again and get a new set.";

    /// <summary>The console status's line under the table: what the Codes column counts.</summary>
    public static string SetNote(int requiredAtRecovery) =>
        requiredAtRecovery > 0
            ? $"Codes: the current set, every code valid; a recovery uses {CodesNeeded(requiredAtRecovery)} at once and replaces the whole set."
            : "Codes: the current set, every code valid; a recovery replaces the whole set.";

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
            "nasdash-backup-codes", 1, sheet.Host, sheet.Url, sheet.User, sheet.GeneratedAtUtc, sheet.RequiredAtRecovery,
            RecoveryRule(sheet.RequiredAtRecovery), sheet.Codes), JsonOptions);

    private static string CodesNeeded(int count) => count == 1 ? "1 code" : $"{count} codes";

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    // "recovery" is an addition to version 1: readers that do not know it ignore it.
    private sealed record BackupCodeDocument(string Format, int Version, string Host, string Url, string User, string GeneratedAt, int RequiredAtRecovery, string Recovery, IReadOnlyList<string> Codes);

    private static string SafeName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}
