using System.Diagnostics;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// Debian programs a test checks the app's output with (zbarimg, pdftotext). Missing, they skip the test on a
/// developer machine and fail it in CI (CI=true), where .ci/run installs them.
/// </summary>
public static class DebianPrograms
{
    public static string Require(string program, string package)
    {
        var path = Path.Combine("/usr/bin", program);
        if (File.Exists(path))
        {
            return path;
        }

        if (Path.Combine("/usr/sbin", program) is var administrative && File.Exists(administrative))
        {
            return administrative;
        }

        var message = $"{path} is missing (apt-get install {package}).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"CI=true but {message}");
        }

        Assert.Skip(message);
        return path;
    }

    /// <summary>Tests that mount file systems need root; like a missing program, its absence skips them, except in CI.</summary>
    public static void RequireRoot(string why)
    {
        if (Environment.UserName == "root")
        {
            return;
        }

        var message = $"Not root, which {why} needs.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"CI=true but {message}");
        }

        Assert.Skip(message);
    }

    /// <summary>Runs the program and returns its standard output; a non-zero exit fails the test with its error output.</summary>
    public static async Task<string> RunAsync(string path, params string[] arguments)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(path)} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
