using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using NasDash.Tests.Features.Ssh;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// A copy of this machine's root that a test may change freely: in a private mount namespace, every filesystem of
/// the machine is the lower layer of an overlay whose upper layer is a tmpfs, with the machine's /proc, /sys and
/// /dev, a fresh /run and the temp directory shared. Package installs, /etc/pam.d, sshd's /run/sshd, wtmp and
/// lastlog all land in the tmpfs and vanish with the namespace; only the temp directory is written through.
/// Programs run in it with <see cref="Start"/>; the test reads its files through <see cref="HostPath"/>.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ThrowawayRoot : IDisposable
{
    public static readonly string[] Programs = ["unshare", "nsenter", "chroot", "mount", "env"];
    private static readonly TimeSpan SetUpTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] Shared = ["/proc", "/sys", "/dev"];
    private readonly string _mountPoint;
    private readonly Process _holder;
    private readonly string _namespace;

    /// <param name="replacements">Machine paths (files or directories) shown in place of the root's own, read-write.</param>
    public ThrowawayRoot(IReadOnlyDictionary<string, string>? replacements = null)
    {
        _mountPoint = Directory.CreateTempSubdirectory("nasdash-root-").FullName;
        var start = new ProcessStartInfo(HostTools.Find("unshare")!)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Ready once chrooted, as nsenter takes the holder's root; it waits on its standard input, so it also ends with the test process.
        foreach (var argument in new[] { "--mount", "--propagation", "private", "sh", "-c", $"{SetUpScript(replacements ?? new Dictionary<string, string>())}\nexec chroot {Quote(Root)} sh -c 'echo ready; read _'" })
        {
            start.ArgumentList.Add(argument);
        }

        _holder = Process.Start(start)!;
        var error = _holder.StandardError.ReadToEndAsync();
        var ready = _holder.StandardOutput.ReadLineAsync();
        if (!ready.Wait(SetUpTimeout) || ready.Result != "ready")
        {
            _holder.Kill();
            _holder.WaitForExit();
            Directory.Delete(_mountPoint);
            throw new InvalidOperationException($"the throwaway root could not be set up: {(error.Wait(SetUpTimeout) ? error.Result : "timed out")}");
        }

        _namespace = MountNamespace(_holder.Id) ?? throw new InvalidOperationException("the throwaway root's holder ended");
    }

    private string Root => Path.Combine(_mountPoint, "root");

    /// <summary>Where <paramref name="path"/> of the throwaway root is seen from the test; an absolute symbolic link in it points at the machine's file.</summary>
    public string HostPath(string path) => $"/proc/{_holder.Id.ToString(CultureInfo.InvariantCulture)}/root{path}";

    /// <summary>The command prefix that runs whatever follows it inside the root, in <paramref name="workingDirectory"/> there.</summary>
    public string[] Prefix(string workingDirectory) =>
        [HostTools.Find("nsenter")!, "--target", _holder.Id.ToString(CultureInfo.InvariantCulture), "--mount", "--root", "--wd", "--", "env", "--chdir", workingDirectory];

    /// <summary>A start of <paramref name="program"/> inside the root, in <paramref name="workingDirectory"/> there; its process id is the program's own.</summary>
    public ProcessStartInfo Start(string workingDirectory, string program, params string[] arguments)
    {
        var prefix = Prefix(workingDirectory);
        var start = new ProcessStartInfo(prefix[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in prefix[1..].Append(program))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Runs <paramref name="program"/> inside the root to completion: exit code and output.</summary>
    public (int ExitCode, string Output) Run(string program, params string[] arguments) => RunWithin(TimeSpan.FromSeconds(60), program, arguments);

    public (int ExitCode, string Output) RunWithin(TimeSpan limit, string program, params string[] arguments)
    {
        using var process = Process.Start(Start("/", program, arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {limit.TotalSeconds:0} s in the throwaway root");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Ends every process inside the root, then the holder; the namespace, its mounts and the tmpfs go with them.</summary>
    public void Dispose()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ProcessesInside().Where(p => p != _holder.Id).ToList() is { Count: > 0 } inside && DateTime.UtcNow < deadline)
        {
            foreach (var pid in inside)
            {
                HostTools.Run("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
            }

            Thread.Sleep(50);
        }

        _holder.StandardInput.Close();
        if (!_holder.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _holder.Kill();
            _holder.WaitForExit();
        }

        _holder.Dispose();
        Directory.Delete(_mountPoint);
    }

    private List<int> ProcessesInside()
    {
        var inside = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && MountNamespace(pid) == _namespace)
            {
                inside.Add(pid);
            }
        }

        return inside;
    }

    private static string? MountNamespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/mnt").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string SetUpScript(IReadOnlyDictionary<string, string> replacements)
    {
        var temp = Path.TrimEndingDirectorySeparator(Path.GetTempPath());
        var script = new StringBuilder("set -e\n");
        script.AppendLine(CultureInfo.InvariantCulture, $"mount -t tmpfs -o mode=0700 nasdash-root {Quote(_mountPoint)}");
        var layer = 0;
        foreach (var (mountPoint, isDirectory) in MachineMounts().Where(m => !Under(m.MountPoint, [.. Shared, "/run", temp])))
        {
            var target = Quote(Root + (mountPoint == "/" ? "" : mountPoint));
            if (!isDirectory)
            {
                script.AppendLine(CultureInfo.InvariantCulture, $"mount --bind -o ro {Quote(mountPoint)} {target}");
                continue;
            }

            script.AppendLine(CultureInfo.InvariantCulture, $"mkdir -p {Quote($"{_mountPoint}/upper{layer}")} {Quote($"{_mountPoint}/work{layer}")}{(mountPoint == "/" ? " " + target : "")}");
            // A filesystem overlayfs cannot stack on is shown read-only: the root may read it but never write it.
            var overlay = $"mount -t overlay overlay -o {Quote($"lowerdir={mountPoint},upperdir={_mountPoint}/upper{layer},workdir={_mountPoint}/work{layer}")} {target}";
            script.AppendLine(mountPoint == "/" ? overlay : $"{overlay} 2>/dev/null || mount --bind -o ro {Quote(mountPoint)} {target}");
            layer++;
        }

        foreach (var shared in Shared)
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"mount --rbind {shared} {Quote(Root + shared)}");
        }

        // A fresh /run: no /run/systemd/system, so maintainer scripts never reach the machine's systemd.
        script.AppendLine(CultureInfo.InvariantCulture, $"mount -t tmpfs -o mode=0755 run {Quote(Root + "/run")}");
        script.AppendLine(CultureInfo.InvariantCulture, $"mkdir -m 0755 {Quote(Root + "/run/sshd")} {Quote(Root + "/run/lock")}");
        script.AppendLine(CultureInfo.InvariantCulture, $"mkdir -p {Quote(Root + temp)}");
        script.AppendLine(CultureInfo.InvariantCulture, $"mount --bind {Quote(temp)} {Quote(Root + temp)}");
        foreach (var (path, source) in replacements)
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"mount --bind {Quote(source)} {Quote(Root + path)}");
        }

        return script.ToString();
    }

    /// <summary>The machine's mounts as /proc/self/mountinfo lists them, parents before children, the last one at each point.</summary>
    private static IEnumerable<(string MountPoint, bool IsDirectory)> MachineMounts()
    {
        var points = new List<string>();
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var point = Unescape(line.Split(' ')[4]);
            points.Remove(point);
            points.Add(point);
        }

        return points.OrderBy(p => p == "/" ? 0 : p.Count(c => c == '/')).Select(p => (p, Directory.Exists(p)));
    }

    private static bool Under(string path, IEnumerable<string> roots) =>
        roots.Any(root => path == root || path.StartsWith(root + "/", StringComparison.Ordinal));

    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
