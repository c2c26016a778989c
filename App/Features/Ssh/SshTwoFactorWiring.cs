using System.Diagnostics;
using System.Text;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Features.Ssh;

/// <summary>What `nasdash console ssh-2fa enable|disable|status` did or found; Refused changes nothing.</summary>
public sealed record WiringResult(bool Refused, string Message);

/// <summary>
/// Wires 2FA for SSH into the host, so an administrator never edits /etc/pam.d/sshd by hand: an sshd drop-in
/// (key, then keyboard-interactive) and, in the PAM stack, pam_nasdash.so in place of Debian's `@include common-auth`.
/// Only a stack of the shape Debian ships is changed; anything else is refused untouched. The replaced line is kept
/// inside NasDash's block, so disabling restores the file byte for byte. A block of the older wiring (pam_oath
/// guarded by pam_faillock) is migrated in place by enable and undone by disable.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshTwoFactorWiring(SshOptions options, SshDaemon daemon, string dataDirectory)
{
    public const string Module = "pam_nasdash.so";
    public const string DropInFileName = "00-nasdash-2fa.conf";
    public const string BackupSuffix = ".nasdash-backup";
    internal const string BlockBegin = "# nasdash ssh-2fa begin: `nasdash console ssh-2fa disable` puts back the line below it replaced";
    internal const string ReplacedPrefix = "#replaced: ";
    internal const string BlockEnd = "# nasdash ssh-2fa end";
    private const string CommonAuth = "@include common-auth";

    // Debian's /etc/pam.d/sshd includes these; their lines are account, session and password rules only.
    private static readonly string[] NonAuthIncludes = ["common-account", "common-session", "common-session-noninteractive", "common-password"];
    internal static readonly string[] ModuleDirectories = ["/usr/lib/x86_64-linux-gnu/security", "/lib/x86_64-linux-gnu/security", "/usr/lib/aarch64-linux-gnu/security", "/lib/aarch64-linux-gnu/security", "/usr/lib/security", "/lib/security"];

    // Latin-1 maps every byte to one char and back, so a file in any encoding is rewritten byte for byte.
    private static readonly Encoding Bytes = Encoding.Latin1;

    public string DropInPath => Path.Combine(options.DropInDirectory, DropInFileName);

    public string BackupPath => options.PamServiceFile + BackupSuffix;

    /// <summary>The sshd drop-in as installed.</summary>
    public static string DropIn() => Resource("sshd-2fa.conf");

    /// <summary>The PAM lines as installed, with this configuration's data directory and program.</summary>
    public string PamLines() => Resource("pam-sshd-2fa")
        .Replace("@DATA_DIRECTORY@", dataDirectory, StringComparison.Ordinal)
        .Replace("@NASDASH_PROGRAM@", options.Program, StringComparison.Ordinal);

    /// <summary>Whether a block holds the pam_oath + pam_faillock lines an older NasDash wrote (any users file and tally directory).</summary>
    internal static bool IsOathWiring(string inner)
    {
        var pattern = "^" + System.Text.RegularExpressions.Regex.Escape(Resource("pam-sshd-2fa-oath"))
            .Replace("@OATH_USERS_FILE@", @"\S+", StringComparison.Ordinal)
            .Replace("@FAILLOCK_DIRECTORY@", @"\S+", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(inner, pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
    }

    public WiringResult Status()
    {
        if (!TryRead(out var pam, out var problem))
        {
            return new WiringResult(true, problem);
        }

        var block = FindBlock(pam);
        var lines = new List<string>
        {
            block is null ? $"PAM: not wired ({options.PamServiceFile} has no NasDash block)"
            : IsOathWiring(block.Inner) ? $"PAM: the older pam_oath and pam_faillock wiring in {options.PamServiceFile}; 'nasdash console ssh-2fa enable' replaces it with {Module}"
            : block.Inner == PamLines() ? $"PAM: {Module} wired into {options.PamServiceFile}"
            : $"PAM: the NasDash block in {options.PamServiceFile} was edited by hand",
            File.Exists(DropInPath) ? $"sshd drop-in: {DropInPath}" : $"sshd drop-in: none ({DropInPath} absent)",
            $"codes checked by: NasDash, the server on {dataDirectory}/console.sock, else '{options.Program} console ssh-code'",
        };
        if (MissingModule() is { } missing)
        {
            lines.Add(missing.Replace("; nothing changed.", "", StringComparison.Ordinal));
        }
        return new WiringResult(false, string.Join('\n', lines));
    }

    public WiringResult Enable()
    {
        if (!TryRead(out var pam, out var problem))
        {
            return new WiringResult(true, problem);
        }

        if (FindBlock(pam) is { } existing)
        {
            if (IsOathWiring(existing.Inner))
            {
                return Migrate(pam, existing);
            }

            if (existing.Inner != PamLines())
            {
                return new WiringResult(true, $"The NasDash block in {options.PamServiceFile} was edited by hand; nothing changed. Run 'nasdash console ssh-2fa disable' after restoring it, or edit the file yourself.");
            }

            return InstallDropIn() is { } dropInProblem
                ? new WiringResult(true, dropInProblem)
                : new WiringResult(false, $"2FA for SSH is already wired into {options.PamServiceFile}; nothing changed in it.");
        }

        if (Unexpected(pam) is { } unexpected)
        {
            return new WiringResult(true, $"{options.PamServiceFile} is not the stack Debian ships ({unexpected}); nothing changed. Wire {Module} by hand (README, SSH), or restore the file.");
        }

        if (MissingModule() is { } missing)
        {
            return new WiringResult(true, missing);
        }

        if (InstallDropIn() is { } failure)
        {
            return new WiringResult(true, failure);
        }

        try
        {
            var mode = File.GetUnixFileMode(options.PamServiceFile);
            if (!File.Exists(BackupPath))
            {
                AtomicFile.Write(BackupPath, Bytes.GetBytes(pam), mode);
            }

            AtomicFile.Write(options.PamServiceFile, Bytes.GetBytes(Wire(pam)), mode);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RemoveDropIn();
            return new WiringResult(true, $"Cannot write {options.PamServiceFile}: {ex.Message}; the sshd drop-in was removed again.");
        }

        return new WiringResult(false, $"2FA for SSH wired: {options.PamServiceFile} asks {Module}, so NasDash checks every SSH code; {DropInPath} installed; the original is in {BackupPath}. {ReloadSshd()}");
    }

    /// <summary>The older pam_oath + pam_faillock block becomes pam_nasdash.so's; the line it replaced (and the backup) stay.</summary>
    private WiringResult Migrate(string pam, Block block)
    {
        if (MissingModule() is { } missing)
        {
            return new WiringResult(true, missing);
        }

        if (InstallDropIn() is { } failure)
        {
            return new WiringResult(true, failure);
        }

        var lines = pam.Split('\n').ToList();
        lines.RemoveRange(block.Begin + 2, block.End - block.Begin - 2);
        lines.InsertRange(block.Begin + 2, PamLines().TrimEnd('\n').Split('\n'));
        try
        {
            AtomicFile.Write(options.PamServiceFile, Bytes.GetBytes(string.Join('\n', lines)), File.GetUnixFileMode(options.PamServiceFile));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new WiringResult(true, $"Cannot write {options.PamServiceFile}: {ex.Message}; it still holds the pam_oath wiring.");
        }

        return new WiringResult(false, $"2FA for SSH migrated: {options.PamServiceFile} asks {Module} in place of pam_oath and pam_faillock, so NasDash checks every SSH code and no users file is needed. {ReloadSshd()}");
    }

    public WiringResult Disable()
    {
        if (!TryRead(out var pam, out var problem))
        {
            return new WiringResult(true, problem);
        }

        var block = FindBlock(pam);
        if (block is null)
        {
            var hadDropIn = File.Exists(DropInPath);
            RemoveDropIn();
            return new WiringResult(false, hadDropIn
                ? $"{options.PamServiceFile} was not wired; removed {DropInPath}. {ReloadSshd()}"
                : $"2FA for SSH is not wired into {options.PamServiceFile}; nothing changed.");
        }

        if (block.Inner != PamLines() && !IsOathWiring(block.Inner))
        {
            return new WiringResult(true, $"The NasDash block in {options.PamServiceFile} was edited by hand; nothing changed. The file as it was before NasDash is in {BackupPath}.");
        }

        var restored = Unwire(pam, block);
        try
        {
            AtomicFile.Write(options.PamServiceFile, Bytes.GetBytes(restored), File.GetUnixFileMode(options.PamServiceFile));
            if (File.Exists(BackupPath) && Bytes.GetString(File.ReadAllBytes(BackupPath)) == restored)
            {
                AtomicFile.Delete(BackupPath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new WiringResult(true, $"Cannot write {options.PamServiceFile}: {ex.Message}; nothing changed.");
        }

        RemoveDropIn();
        return new WiringResult(false, $"2FA for SSH unwired: {options.PamServiceFile} restored, {DropInPath} removed. {ReloadSshd()}");
    }

    /// <summary>The stack with Debian's common-auth include replaced by NasDash's block, which records the line.</summary>
    internal string Wire(string pam)
    {
        var lines = pam.Split('\n').ToList();
        var index = lines.FindIndex(IsCommonAuth);
        var block = new List<string> { BlockBegin, ReplacedPrefix + lines[index] };
        block.AddRange(PamLines().TrimEnd('\n').Split('\n'));
        block.Add(BlockEnd);
        lines.RemoveAt(index);
        lines.InsertRange(index, block);
        return string.Join('\n', lines);
    }

    private static string Unwire(string pam, Block block)
    {
        var lines = pam.Split('\n').ToList();
        lines.RemoveRange(block.Begin, block.End - block.Begin + 1);
        lines.Insert(block.Begin, block.Replaced);
        return string.Join('\n', lines);
    }

    private sealed record Block(int Begin, int End, string Replaced, string Inner);

    private static Block? FindBlock(string pam)
    {
        var lines = pam.Split('\n');
        var begin = Array.IndexOf(lines, BlockBegin);
        var end = Array.IndexOf(lines, BlockEnd);
        if (begin < 0 || end < begin + 2 || !lines[begin + 1].StartsWith(ReplacedPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var inner = string.Join('\n', lines[(begin + 2)..end]) + "\n";
        return new Block(begin, end, lines[begin + 1][ReplacedPrefix.Length..], inner);
    }

    /// <summary>Why the stack is not one NasDash may rewrite, or null: exactly one common-auth include and no auth rule of its own.</summary>
    internal static string? Unexpected(string pam)
    {
        var active = pam.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (active.Any(l => l.Contains(BlockBegin, StringComparison.Ordinal) || l.Contains("pam_oath", StringComparison.Ordinal) || l.Contains("pam_faillock", StringComparison.Ordinal) || l.Contains(Module, StringComparison.Ordinal)))
        {
            return $"it already mentions pam_oath, pam_faillock or {Module}";
        }

        var commonAuth = active.Count(l => IsCommonAuth(l));
        if (commonAuth != 1)
        {
            return $"{commonAuth} '{CommonAuth}' lines, expected exactly one";
        }

        if (active.FirstOrDefault(l => l.TrimStart('-').StartsWith("auth", StringComparison.Ordinal)) is { } rule)
        {
            return $"an auth rule of its own: '{rule}'";
        }

        if (active.FirstOrDefault(l => l.StartsWith('@') && !IsCommonAuth(l) && !NonAuthIncludes.Contains(l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1))) is { } include)
        {
            return $"an include that may hold auth rules: '{include}'";
        }

        return null;
    }

    private static bool IsCommonAuth(string line) =>
        line.Split((char[])[' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries) is ["@include", "common-auth"];

    private bool TryRead(out string pam, out string problem)
    {
        try
        {
            pam = Bytes.GetString(File.ReadAllBytes(options.PamServiceFile));
            problem = "";
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            pam = "";
            problem = $"Cannot read {options.PamServiceFile}: {ex.Message} (is openssh-server installed?); nothing changed.";
            return false;
        }
    }

    /// <summary>Writes the drop-in and has sshd check its configuration and confirm the settings take effect; null when done.</summary>
    private string? InstallDropIn()
    {
        if (!Directory.Exists(options.DropInDirectory))
        {
            return $"The sshd drop-in directory {options.DropInDirectory} does not exist (is openssh-server installed?); nothing changed.";
        }

        var hadDropIn = File.Exists(DropInPath);
        var previous = hadDropIn ? File.ReadAllText(DropInPath) : null;
        try
        {
            AtomicFile.Write(DropInPath, DropIn(), AtomicFile.WorldReadable);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Cannot write {DropInPath}: {ex.Message}; nothing changed.";
        }

        var check = Sshd("-t") is { Exit: not 0 } broken
            ? $"sshd rejects its configuration with {DropInPath}: {broken.Output.Trim()}"
            : Sshd("-T") is { Exit: 0 } effective ? Ineffective(effective.Output) : "sshd -T failed";
        if (check is null)
        {
            return null;
        }

        if (previous is null)
        {
            RemoveDropIn();
        }
        else
        {
            AtomicFile.Write(DropInPath, previous, AtomicFile.WorldReadable);
        }

        return $"{check}; nothing changed.";
    }

    /// <summary>Which setting of the drop-in another file overrides (sshd takes the first value it reads), or null.</summary>
    private static string? Ineffective(string effective)
    {
        var settings = effective.Split('\n').Select(l => l.Trim().ToLowerInvariant()).ToHashSet();
        var wanted = DropIn().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.ToLowerInvariant()).ToList();
        var overridden = wanted.Where(w => !settings.Contains(w)).ToList();
        return overridden.Count == 0 ? null : $"another sshd setting overrides '{string.Join("', '", overridden)}' (sshd -T)";
    }

    private void RemoveDropIn() => AtomicFile.Delete(DropInPath);

    private string ReloadSshd() => daemon.FindListener() switch
    {
        ListenerLookup.Running running => daemon.Reload(running.Listener) is { } failure ? $"Reloading sshd failed: {failure}." : "sshd reloaded.",
        ListenerLookup.NotRunning notRunning => $"sshd not reloaded ({notRunning.Reason}); it reads the change when it starts.",
        _ => "",
    };

    private static string? MissingModule() => ModuleDirectories.Any(d => File.Exists(Path.Combine(d, Module)))
        ? null
        : $"The PAM module {Module} is missing from {ModuleDirectories[0]} (reinstall the nasdash package); nothing changed.";

    private (int Exit, string Output) Sshd(string mode)
    {
        var program = new[] { "/usr/sbin/sshd", "/sbin/sshd" }.FirstOrDefault(File.Exists);
        if (program is null)
        {
            return (127, "sshd is not installed (package openssh-server)");
        }

        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { mode, "-f", options.SshdConfigFile })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    private static string Resource(string name)
    {
        using var stream = typeof(SshTwoFactorWiring).Assembly.GetManifestResourceStream($"NasDash.TwoFactorWiring.{name}")
                           ?? throw new InvalidOperationException($"The resource {name} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
