using System.Security.Cryptography;
using NasDash.Storage;
using NasDash.Hosting;
using NasDash.Security;

namespace NasDash.Features.Ssh;

/// <summary>An administrator whose TOTP secret pam_oath may check at SSH login.</summary>
public sealed record OathUser(string UserName, byte[] Secret);

/// <summary>What a sync of the users file did.</summary>
/// <param name="Users">Administrators in the file after the sync.</param>
/// <param name="Skipped">Accounts left out because their name is unsafe in the file or their secret cannot be read.</param>
/// <param name="Problem">Why the file could not be written; null when it is in sync.</param>
public sealed record OathSyncResult(bool Written, int Users, IReadOnlyList<string> Skipped, string? Problem);

/// <summary>
/// The pam_oath users file (TrueNAS writes /etc/users.oath the same way): one
/// "HOTP/T30/6&lt;TAB&gt;user&lt;TAB&gt;-&lt;TAB&gt;hex-secret" line per administrator who may answer the SSH TOTP prompt,
/// mode 0600, replaced atomically. NasDash owns the whole file. pam_oath appends its replay memory (counter,
/// last OTP, time) to a user's line after each login; a line whose secret did not change is kept as pam_oath
/// left it, so a resync never makes a used code valid again.
/// </summary>
public sealed class OathUsersFile(
    SshOptions options,
    IAccountStore accounts,
    ISettingsStore settings,
    SecretProtector secrets,
    ILogger<OathUsersFile> log)
{
    public const string TokenType = "HOTP/T30/6";
    private readonly Lock _gate = new();

    public string Path => options.OathUsersFile;

    /// <summary>
    /// Brings the file in line with the store. With 2FA for SSH on it lists every administrator with a TOTP secret
    /// whose account is in normal state (not in recovery, not super-locked: their TOTP is not trusted). With 2FA for
    /// SSH off an existing file is emptied, so no stale secret keeps working, and a missing one is not created.
    /// </summary>
    public OathSyncResult Sync()
    {
        lock (_gate)
        {
            var enabled = settings.Get().TwoFactor.SshTwoFactor;
            var skipped = new List<string>();
            var users = enabled ? Eligible(skipped) : [];
            string? existing;
            try
            {
                existing = File.Exists(Path) ? File.ReadAllText(Path) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new OathSyncResult(false, 0, skipped, $"cannot read {Path}: {ex.Message}");
            }

            if (!enabled && existing is null)
            {
                return new OathSyncResult(false, 0, skipped, null);
            }

            var content = Render(users, existing);
            if (content == existing && HasMode(Path, AtomicFile.OwnerReadWrite))
            {
                return new OathSyncResult(false, users.Count, skipped, null);
            }

            try
            {
                AtomicFile.Write(Path, content, AtomicFile.OwnerReadWrite);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new OathSyncResult(false, 0, skipped, $"cannot write {Path}: {ex.Message}");
            }

            log.LogInformation("pam_oath users file {Path} written: {Count} administrators", Path, users.Count);
            return new OathSyncResult(true, users.Count, skipped, null);
        }
    }

    /// <summary>How many administrators the file lists, for the SSH page.</summary>
    public string Describe()
    {
        try
        {
            if (!File.Exists(Path))
            {
                return $"{Path} does not exist";
            }

            var count = ExistingLines(File.ReadAllText(Path)).Count;
            return $"{count} administrator{(count == 1 ? "" : "s")} in {Path}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot read {Path}: {ex.Message}";
        }
    }

    /// <summary>
    /// The file's content for these users. A user's existing line is kept verbatim when its secret is unchanged
    /// (it may carry pam_oath's replay memory); every other line is dropped.
    /// </summary>
    public static string Render(IReadOnlyList<OathUser> users, string? existing)
    {
        var kept = ExistingLines(existing);
        var lines = new List<string>();
        foreach (var user in users)
        {
            if (Line(user) is not { } fresh)
            {
                continue;
            }

            lines.Add(kept.TryGetValue(user.UserName, out var line) && SameSecret(line, user) ? line : fresh);
        }

        return lines.Count == 0 ? "" : string.Join('\n', lines) + "\n";
    }

    /// <summary>
    /// The line for one user, or null when the name could break the file's format or pam_oath's whitespace
    /// parsing (only the POSIX-style names of <see cref="UserNameRules"/> are written).
    /// </summary>
    public static string? Line(OathUser user) =>
        IsSafeName(user.UserName) && user.Secret.Length > 0
            ? $"{TokenType}\t{user.UserName}\t-\t{Convert.ToHexStringLower(user.Secret)}"
            : null;

    public static bool IsSafeName(string userName) => UserNameRules.IsValid(userName) && userName == userName.Trim();

    private List<OathUser> Eligible(List<string> skipped)
    {
        var users = new List<OathUser>();
        foreach (var account in accounts.All())
        {
            if (account.ProtectedTotpSecret is null || account.State != AccountState.Normal)
            {
                continue;
            }

            if (!IsSafeName(account.UserName))
            {
                skipped.Add(account.UserName);
                log.LogWarning("Administrator {Id} left out of the pam_oath users file: the user name is not a safe POSIX name", account.Id);
                continue;
            }

            try
            {
                users.Add(new OathUser(account.UserName, secrets.Unprotect(account.ProtectedTotpSecret)));
            }
            catch (CryptographicException)
            {
                skipped.Add(account.UserName);
                log.LogWarning("Administrator {User} left out of the pam_oath users file: the TOTP secret cannot be decrypted", account.UserName);
            }
        }

        return users;
    }

    private static Dictionary<string, string> ExistingLines(string? existing)
    {
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in (existing ?? "").Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var fields = Fields(line);
            if (fields.Length >= 4 && fields[0] == TokenType && fields[2] == "-")
            {
                lines.TryAdd(fields[1], line);
            }
        }

        return lines;
    }

    private static bool SameSecret(string line, OathUser user)
    {
        var fields = Fields(line);
        return fields.Length >= 4 && fields[1] == user.UserName &&
               string.Equals(fields[3], Convert.ToHexStringLower(user.Secret), StringComparison.OrdinalIgnoreCase);
    }

    // pam_oath splits on spaces and tabs.
    private static string[] Fields(string line) => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static bool HasMode(string path, UnixFileMode mode) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode)0xFFF) == mode;
}
