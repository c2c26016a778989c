using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using NasDash.Features.Console;
using NasDash.Hosting;

namespace NasDash.Benchmarks;

/// <summary>
/// What pam_nasdash.so adds to an SSH sign-in (issue 25): the real module, built by packaging/pam/build.sh, driven by
/// pamtester through a whole PAM authentication, against the same stack with pam_permit.so in its place (the
/// baseline). With the server running the module asks the console socket of a real <see cref="ConsoleSocketServer"/>
/// on the shipped costs; without, it runs `nasdash console ssh-code`, which starts .NET and opens the store. Each
/// invocation submits a wrong code (the full decision, counted and committed); the account is re-seeded before each,
/// so it never reaches Recovery. Needs root, unshare (util-linux), gcc, libpam0g-dev and pamtester: /etc/pam.d is
/// bind-mounted in a private mount namespace, never changed. The issue's bound is on the p95 column.
/// <para>
/// By default `nasdash` is this build's NasDash.dll under `dotnet` (JIT). What the Debian package ships is published
/// ReadyToRun and self-contained; to measure that, publish as packaging/deb/build.sh does and name the directory:
/// <c>NASDASH_PUBLISHED=/tmp/nasdash-r2r</c> after <c>dotnet publish App -c Release -r linux-x64 --self-contained -o /tmp/nasdash-r2r</c>.
/// </para>
/// <para>
/// <see cref="Fallback"/> is the no-server fallback alone, as the package ships it: the published program (NASDASH_PUBLISHED,
/// or published here as packaging/deb/build.sh does, which takes a few minutes) started as pam_nasdash.so starts it, with
/// its fixed argument list and environment and the code on standard input, without PAM around it.
/// </para>
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 30, invocationCount: 1)]
[Config(typeof(WithP95))]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class SshCodeCheckBenchmarks
{
    private const string UserName = "alice";
    private string _work = "";
    private string _data = "";
    private string _program = "";
    private ServiceProvider? _services;
    private ConsoleSocketServer? _server;

    [GlobalSetup]
    public void Setup() => Setup(Environment.GetEnvironmentVariable("NASDASH_PUBLISHED") is { Length: > 0 } published ? published : null);

    [GlobalSetup(Target = nameof(Fallback))]
    public void SetupPublished()
    {
        var published = Environment.GetEnvironmentVariable("NASDASH_PUBLISHED") is { Length: > 0 } given ? given : null;
        if (published is null)
        {
            published = Directory.CreateTempSubdirectory("nasdash-published-").FullName;
            Run("dotnet", "publish", Path.Combine(RepositoryRoot(), "App", "App.csproj"), "-c", "Release", "-r", "linux-x64", "--self-contained",
                "-nologo", "-v", "quiet", "-p:SatelliteResourceLanguages=en", "-p:DebugType=none", "-p:GenerateDocumentationFile=false", "-o", published);
        }

        Setup(published);
    }

    private void Setup(string? published)
    {
        _work = Directory.CreateTempSubdirectory("nasdash-pam-bench-").FullName;
        _data = Directory.CreateDirectory(Path.Combine(_work, "data")).FullName;
        var module = Path.Combine(_work, "pam_nasdash.so");
        Run("bash", Path.Combine(RepositoryRoot(), "packaging", "pam", "build.sh"), module);
        var program = _program = Path.Combine(_work, "nasdash");
        File.WriteAllText(program, published is not null
            // As packaging/deb/nasdash starts it.
            ? $"#!/bin/sh\nASPNETCORE_CONTENTROOT='{published}' exec '{Path.Combine(published, "NasDash")}' \"$@\"\n"
            : $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "NasDash.dll")}' \"$@\"\n");
        File.SetUnixFileMode(program, (UnixFileMode)0b111_101_101);
        var pamDirectory = Directory.CreateDirectory(Path.Combine(_work, "pam.d")).FullName;
        File.WriteAllText(Path.Combine(pamDirectory, "nasdash"), $"auth required {module} data={_data} nasdash={program}\n");
        File.WriteAllText(Path.Combine(pamDirectory, "permit"), "auth required pam_permit.so\n");
        WithServices(Seed);
    }

    [GlobalSetup(Target = nameof(ServerRunning))]
    public void StartServer()
    {
        Setup();
        _services = Services();
        _server = new ConsoleSocketServer(_services.GetRequiredService<Storage.LiteDbStore>(), _services.GetRequiredService<NasDashOptions>(),
            _services.GetRequiredService<AccountAdministration>(),
            _services.GetRequiredService<SshCodeCheck>(), NullLogger<ConsoleSocketServer>.Instance);
        _server.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server?.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services?.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [IterationSetup]
    public void FreshAccount()
    {
        if (_services is null)
        {
            WithServices(Seed);
        }
        else
        {
            Seed(_services);
        }
    }

    /// <summary>The PAM transaction with pam_permit.so: what every variant pays besides the code check.</summary>
    [Benchmark(Baseline = true)]
    public int PamPermit() => Pamtester("permit");

    [Benchmark]
    public int ServerRunning() => Pamtester("nasdash");

    [Benchmark]
    public int NoServer() => Pamtester("nasdash");

    /// <summary>What pam_nasdash.so runs when no server answers (packaging/pam/pam_nasdash.c, ask_console): exit 1, a wrong code.</summary>
    [Benchmark]
    public int Fallback()
    {
        var start = new ProcessStartInfo(_program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "console", "--data", _data, "ssh-code", UserName, "--client", "192.0.2.1" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["HOME"] = "/root";
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return ExitCodeAnswering(start);
    }

    private int Pamtester(string service)
    {
        var start = new ProcessStartInfo("unshare") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--mount", "--propagation", "private", "sh", "-c", $"mount --bind '{_work}/pam.d' /etc/pam.d && exec pamtester {service} {UserName} authenticate" })
        {
            start.ArgumentList.Add(argument);
        }

        return ExitCodeAnswering(start);
    }

    /// <summary>Runs the program with a wrong code on its standard input, as pam_nasdash.so answers it; its exit code.</summary>
    private static int ExitCodeAnswering(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        process.StandardInput.WriteLine("000000");
        process.StandardInput.Close();
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    private void Seed(IServiceProvider services)
    {
        var accounts = services.GetRequiredService<IAccountStore>();
        if (accounts.FindByName(UserName) is { } old)
        {
            accounts.Delete(old.Id);
        }

        var secret = services.GetRequiredService<SecretProtector>().Protect(TotpVerifier.NewSecret());
        var codes = services.GetRequiredService<BackupCodes>().Generate(10).Stored;
        accounts.TryInsert(Account.CreateEnrolled(UserName, "not-a-hash", DateTimeOffset.UtcNow, secret, -1, codes));
    }

    private void WithServices(Action<IServiceProvider> action)
    {
        using var services = Services();
        action(services);
    }

    private ServiceProvider Services()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = _data,
            ["NasDash:HostName"] = "nas-bench",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddNasDashCore(configuration, new ProductionEnvironment(_data));
        return services.BuildServiceProvider();
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed: {output}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NasDash.sln")))
            {
                return directory.FullName;
            }
        }

        return Environment.GetEnvironmentVariable("NASDASH_REPOSITORY") ?? throw new InvalidOperationException("Set NASDASH_REPOSITORY to the repository root.");
    }

    private sealed class WithP95 : ManualConfig
    {
        public WithP95() => AddColumn(StatisticColumn.P95);
    }
}
