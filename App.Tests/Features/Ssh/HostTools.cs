using System.Diagnostics;

namespace NasDash.Tests.Features.Ssh;

/// <summary>
/// The programs the real-sshd tests drive. Missing ones skip a test on a developer machine and fail it in CI
/// (CI=true), where .ci/run installs them: a skipped SSH test in CI would hide that nothing was proven.
/// </summary>
public static class HostTools
{
    private static readonly string[] SearchPath =
        [.. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries), "/usr/sbin", "/sbin"];

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Find(string program) =>
        SearchPath.Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    /// <summary>Requires root (sshd privilege separation, bind mounts, signalling other users' processes) and the programs.</summary>
    public static void Require(params string[] programs)
    {
        var missing = programs.Where(p => Find(p) is null).ToList();
        var problems = new List<string>();
        if (missing.Count > 0)
        {
            problems.Add($"missing programs: {string.Join(", ", missing)} (packages openssh-server, openssh-client, pamtester, libpam0g-dev, gcc, expect, util-linux)");
        }

        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            problems.Add("these tests run a private sshd and must run as root on Linux");
        }

        if (problems.Count == 0)
        {
            return;
        }

        var message = string.Join("; ", problems);
        if (InCi)
        {
            Assert.Fail($"CI=true but {message}");
        }

        Assert.Skip(message);
    }

    public static (int ExitCode, string Output) Run(string program, params string[] arguments) =>
        RunWithin(TimeSpan.FromSeconds(60), program, arguments);

    /// <summary>For programs whose run time grows with their input (lintian unpacks a 100 MB package).</summary>
    public static (int ExitCode, string Output) RunWithin(TimeSpan limit, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(Find(program) ?? program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {limit.TotalSeconds:0} s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Live processes whose command line is exactly <paramref name="commandLine"/> (arguments joined by spaces).</summary>
    public static IReadOnlyList<int> ProcessesRunning(string commandLine)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..][0];
                if (state != 'Z' && File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').TrimEnd() == commandLine)
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Ended while being read.
            }
        }

        return found;
    }
}
