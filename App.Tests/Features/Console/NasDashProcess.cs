using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Console;

/// <summary>The built NasDash program run as a child process, as an operator or a service manager would.</summary>
public static class NasDashProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "NasDash.dll");

    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public sealed record Result(int Exit, string Output, string Error);

    /// <param name="runAs">A command prefix such as setpriv that runs the program as another user.</param>
    public static async Task<Result> ConsoleAsync(string[] args, string workingDirectory, string? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null, string[]? runAs = null)
    {
        using var process = Start(["console", .. args], workingDirectory, environment, runAs, redirectInput: true);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Runs the program with exactly these arguments until it exits by itself, at most a minute.</summary>
    public static async Task<Result> UntilExitAsync(string workingDirectory, params string[] args)
    {
        using var process = Start(args, workingDirectory, null, null, redirectInput: false);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Runs the web server with these arguments until it exits by itself (a refused start), at most a minute.</summary>
    public static Task<Result> ServerUntilExitAsync(string dataDirectory, params string[] args) => ServerUntilExitAsync(null, dataDirectory, args);

    /// <param name="runAs">A command prefix (unshare and a mount script) that ends by exec'ing the server.</param>
    public static async Task<Result> ServerUntilExitAsync(string[]? runAs, string dataDirectory, params string[] args)
    {
        using var process = Start(["--urls", "http://127.0.0.1:0", "--environment", "Testing", "--NasDash:Session:SecureCookies", "false", "--NasDash:DataDirectory", dataDirectory, .. args],
            dataDirectory, null, runAs, redirectInput: false);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Starts the web server with exactly these arguments; each line it prints on stdout or stderr goes to <paramref name="output"/>.</summary>
    public static Process StartServer(string dataDirectory, Action<string> output, params string[] args)
    {
        var process = Start(["--NasDash:DataDirectory", dataDirectory, .. args], dataDirectory, null, null, redirectInput: false);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Starts the web server on a free port in the Testing environment.</summary>
    /// <param name="runAs">A command prefix such as faketime that ends by running the server.</param>
    public static Process StartServer(string dataDirectory, string[]? runAs = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Start(["--urls", "http://127.0.0.1:0", "--environment", "Testing", "--NasDash:Session:SecureCookies", "false", "--NasDash:DataDirectory", dataDirectory,
            "--NasDash:PasswordIterations", "1000", "--Logging:LogLevel:Default", "Warning"], dataDirectory, environment, runAs, redirectInput: false);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Process Start(string[] args, string workingDirectory, IReadOnlyDictionary<string, string>? environment, string[]? runAs, bool redirectInput)
    {
        var info = new ProcessStartInfo(runAs is null ? DotnetHost : runAs[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in runAs is null ? [Dll, .. args] : (string[])[.. runAs[1..], DotnetHost, Dll, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        // The child finds its data directory only from what the test passes.
        info.Environment.Remove("NasDash__DataDirectory");
        info.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        info.Environment.Remove("DOTNET_ENVIRONMENT");
        // No child ever touches the machine's sshd or PAM files unless the test names them.
        foreach (var (key, path) in TestCore.SshSandbox(workingDirectory))
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = path;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Could not start NasDash.");
    }
}

/// <summary>The web server in the test process (its hosted admin socket included) on a seeded data directory.</summary>
public sealed class NasDashServer(string dataDirectory) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("NasDash:DataDirectory", dataDirectory);
        builder.UseSetting("NasDash:PasswordIterations", "1000");
        builder.UseSetting("NasDash:Setup:RequireToken", "false");
        builder.UseSetting("NasDash:Session:SecureCookies", "false");
        foreach (var (key, path) in TestCore.SshSandbox(dataDirectory))
        {
            builder.UseSetting(key, path);
        }
    }
}
