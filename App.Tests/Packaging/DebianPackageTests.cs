using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text.Json;
using NasDash.Tests.Features.Ssh;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Packaging;

/// <summary>packaging/deb/build.sh, run once for the class: the package it builds is shared by the tests.</summary>
public sealed class DebianPackageBuild : IDisposable
{
    private readonly Lazy<string> _package;
    private readonly string _output = Directory.CreateTempSubdirectory("nasdash-deb-").FullName;

    public DebianPackageBuild() => _package = new Lazy<string>(Build);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The path of the built .deb; building takes a minute or more on first use.</summary>
    public string Package => _package.Value;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    private string Build()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "packaging", "deb", "build.sh"));
        start.ArgumentList.Add(_output);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // A self-contained publish on a busy two-core machine takes minutes.
        if (!process.WaitForExit(TimeSpan.FromMinutes(30)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("build.sh did not finish within 30 minutes");
        }

        Assert.True(process.ExitCode == 0, $"build.sh failed: {output.Result}{error.Result}");
        return output.Result.Trim().Split('\n')[^1];
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NasDash.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No NasDash.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// The Debian package as root: built by build.sh and checked by lintian on this machine, then installed with dpkg -i
/// into a throwaway root (a copy-on-write view of this machine), its unit verified and its server started there
/// exactly as the unit says, then purged. Whatever the package or a failed check leaves goes with the root.
/// </summary>
[Collection(SshdCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class DebianPackageTests(DebianPackageBuild build) : IClassFixture<DebianPackageBuild>
{
    private const string Unit = "/lib/systemd/system/nasdash.service";
    private const string DataDirectory = "/var/lib/nasdash";
    private const string Module = "/usr/lib/x86_64-linux-gnu/security/pam_nasdash.so";

    // Everything the package or its maintainer scripts create, deb-systemd-helper's enable links and state included.
    private static readonly string[] Footprint =
    [
        "/usr/lib/nasdash", "/usr/bin/nasdash", "/etc/nasdash", DataDirectory, Unit, "/usr/share/nasdash", "/usr/share/doc/nasdash",
        "/usr/share/man/man8/nasdash.8.gz", "/usr/share/lintian/overrides/nasdash", Module,
        "/etc/systemd/system/multi-user.target.wants/nasdash.service", "/etc/systemd/system/nasdash.service",
        "/var/lib/systemd/deb-systemd-helper-enabled/nasdash.service.dsh-also",
        "/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/nasdash.service",
        "/var/lib/systemd/deb-systemd-helper-masked/nasdash.service",
    ];

    [Fact]
    public void Package_Lintian_NoErrorsOrWarnings()
    {
        Require();
        var (_, output) = HostTools.RunWithin(TimeSpan.FromMinutes(5), "lintian", "--tag-display-limit", "0", build.Package);
        TestContext.Current.TestOutputHelper?.WriteLine(output);
        var tags = output.Split('\n').Where(l => l.StartsWith("E: ", StringComparison.Ordinal) || l.StartsWith("W: ", StringComparison.Ordinal)).ToList();
        Assert.True(tags.Count == 0, string.Join('\n', tags));
    }

    [Fact]
    public async Task Package_InstalledRunAndPurged_FilesUnitServerConsoleThenNothingLeft()
    {
        Require();
        using var root = new ThrowawayRoot();
        if (Installed(root))
        {
            // A machine with NasDash installed: its copy starts without it.
            Dpkg(root, "-P", "nasdash");
        }

        Assert.DoesNotContain(Footprint, p => Exists(root, p));
        // What an appliance wired by an older NasDash holds: pam_oath's users file and its lines in sshd's stack.
        Directory.CreateDirectory(root.HostPath(DataDirectory));
        await File.WriteAllTextAsync(root.HostPath($"{DataDirectory}/users.oath"), "HOTP/T30/6\talice\t-\t3132333435363738393031323334353637383930\n", TestContext.Current.CancellationToken);
        var pam = await File.ReadAllTextAsync(root.HostPath("/etc/pam.d/sshd"), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(root.HostPath("/etc/pam.d/sshd"), OathWiring(pam), TestContext.Current.CancellationToken);

        Dpkg(root, "-i", build.Package);

        CheckFiles(root);
        Assert.False(File.Exists(root.HostPath($"{DataDirectory}/users.oath")), "the upgrade must remove pam_oath's users file");
        var migrated = await File.ReadAllTextAsync(root.HostPath("/etc/pam.d/sshd"), TestContext.Current.CancellationToken);
        Assert.Contains("auth    required    pam_nasdash.so data=/var/lib/nasdash nasdash=/usr/bin/nasdash\n", migrated, StringComparison.Ordinal);
        Assert.DoesNotContain("pam_oath", migrated, StringComparison.Ordinal);
        var verify = root.Run("systemd-analyze", "verify", Unit);
        Assert.True(verify.ExitCode == 0 && verify.Output.Trim().Length == 0, verify.Output);
        await CheckEtcdOrderingAsync(root);
        var security = root.Run("systemd-analyze", "security", "--offline=true", Unit);
        TestContext.Current.TestOutputHelper?.WriteLine(security.Output);
        Assert.Contains("Overall exposure level for nasdash.service", security.Output, StringComparison.Ordinal);

        await RunAsTheUnitSaysAsync(root);

        Dpkg(root, "-r", "nasdash");
        Assert.True(File.Exists(root.HostPath(Path.Combine(DataDirectory, "nasdash.db"))), "dpkg -r must keep the data");
        Assert.True(File.Exists(root.HostPath("/etc/nasdash/appsettings.json")), "dpkg -r must keep the configuration");
        Assert.False(Exists(root, "/usr/lib/nasdash") || Exists(root, "/usr/bin/nasdash") || Exists(root, Unit));

        Dpkg(root, "-P", "nasdash");
        Assert.DoesNotContain(Footprint, p => Exists(root, p));
        Assert.False(Installed(root));
    }

    private static void CheckFiles(ThrowawayRoot root)
    {
        Assert.Equal(("root", "root", "755"), Owner(root, "/usr/bin/nasdash"));
        Assert.Equal(("root", "root", "755"), Owner(root, "/usr/lib/nasdash/NasDash"));
        Assert.Equal(("root", "root", "644"), Owner(root, "/etc/nasdash/appsettings.json"));
        Assert.Equal(("root", "root", "700"), Owner(root, DataDirectory));
        Assert.Equal(("root", "root", "644"), Owner(root, Unit));
        Assert.Equal("/etc/nasdash/appsettings.json", new FileInfo(root.HostPath("/usr/lib/nasdash/appsettings.json")).LinkTarget);
        Assert.True(File.Exists(root.HostPath("/usr/share/man/man8/nasdash.8.gz")));
        Assert.True(File.Exists(root.HostPath("/usr/share/nasdash/sshd-2fa.conf")));
        Assert.True(File.Exists(root.HostPath("/usr/share/nasdash/fail2ban/nasdash.conf")));
        Assert.Equal("auth    required    pam_nasdash.so data=/var/lib/nasdash nasdash=/usr/bin/nasdash",
            File.ReadAllLines(root.HostPath("/usr/share/nasdash/pam-sshd-2fa")).Single(l => !l.StartsWith('#')));
        Assert.Equal(("root", "root", "644"), Owner(root, Module));
        // Hardened: no executable stack, full RELRO (read-only after relocation, bound now), the stack protector, fortify.
        var headers = HostTools.Run("readelf", "-lW", root.HostPath(Module)).Output;
        Assert.Matches(@"GNU_STACK(\s+0x[0-9a-f]+){5}\s+RW\s", headers);
        Assert.Contains("GNU_RELRO", headers, StringComparison.Ordinal);
        Assert.Contains("BIND_NOW", HostTools.Run("readelf", "-d", root.HostPath(Module)).Output, StringComparison.Ordinal);
        var symbols = HostTools.Run("readelf", "--dyn-syms", "-W", root.HostPath(Module)).Output;
        Assert.Contains("__stack_chk_fail", symbols, StringComparison.Ordinal);
        Assert.Contains("_chk@", symbols, StringComparison.Ordinal);
        var conffiles = root.Run("dpkg-query", "-W", "-f=${Conffiles}", "nasdash").Output;
        Assert.Contains("/etc/nasdash/appsettings.json", conffiles, StringComparison.Ordinal);
        var listed = root.Run("dpkg", "-L", "nasdash").Output.Split('\n');
        Assert.Contains("/usr/lib/nasdash/NasDash", listed);
        Assert.DoesNotContain(listed, l => l.Contains("appsettings.Development", StringComparison.Ordinal));
    }

    /// <summary>
    /// systemd is not PID 1 in the root, so the unit's ExecStart runs with its Environment= and the working directory
    /// systemd gives (/), and a minimal environment; then the console, from /tmp beside a planted appsettings.json.
    /// </summary>
    private static async Task RunAsTheUnitSaysAsync(ThrowawayRoot root)
    {
        var unit = File.ReadAllLines(root.HostPath(Unit));
        var command = unit.Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = root.Start("/", command[0], command[1..]);
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var assignment in unit.Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)).SelectMany(l => l["Environment=".Length..].Split(' ')))
        {
            var (name, value) = (assignment.Split('=', 2)[0], assignment.Split('=', 2)[1]);
            start.Environment[name] = value;
        }

        var planted = Directory.CreateTempSubdirectory("nasdash-planted-").FullName;
        using var server = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        server.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            await WaitForHealthAsync(server, log);
            Assert.True(File.Exists(root.HostPath(Path.Combine(DataDirectory, "setup-token"))));

            // A working directory another user controls, with a configuration pointing at a store of its own.
            await File.WriteAllTextAsync(Path.Combine(planted, "appsettings.json"), $$"""{ "NasDash": { "DataDirectory": "{{planted}}" } }""");
            var viaServer = RunInstalled(root, "console", "status", "--json", planted);
            Assert.True(viaServer.ExitCode == 0, viaServer.Output);
            using (var status = JsonDocument.Parse(viaServer.Output))
            {
                Assert.Equal(DataDirectory, status.RootElement.GetProperty("dataDirectory").GetString());
                Assert.Equal("server", status.RootElement.GetProperty("via").GetString());
            }

            HostTools.Run("kill", "-TERM", server.Id.ToString(CultureInfo.InvariantCulture));
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)), "the server did not stop on SIGTERM");

            var fromTmp = RunInstalled(root, "console", "status", "/tmp");
            Assert.True(fromTmp.ExitCode == 0, fromTmp.Output);
            Assert.Contains("SSH login", fromTmp.Output, StringComparison.Ordinal);
            var wiring = RunInstalled(root, "console", "ssh-2fa", "status", planted);
            Assert.True(wiring.ExitCode == 0, wiring.Output);
            Assert.Contains("codes checked by: NasDash, the server on /var/lib/nasdash/console.sock", wiring.Output, StringComparison.Ordinal);

            // The packaged module, as sshd would load it, with no server running: the installed program answers on the store.
            await File.WriteAllTextAsync(root.HostPath("/etc/pam.d/nasdash-test"), "auth required pam_nasdash.so\n", TestContext.Current.CancellationToken);
            var (exit, output) = Features.Ssh.SshPamNasDashTests.Pamtester(root, "nasdash-test", "alice", "123456");
            Assert.True(exit != 0, output);
            Assert.Contains("Authenticator code:", output, StringComparison.Ordinal);
            Assert.Contains("NasDash: alice is not a NasDash administrator", output, StringComparison.Ordinal);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }

            Directory.Delete(planted, recursive: true);
        }
    }

    private static async Task WaitForHealthAsync(Process server, System.Collections.Concurrent.ConcurrentQueue<string> log)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(server.HasExited, $"the server exited with {(server.HasExited ? server.ExitCode : 0)}: {string.Join('\n', log)}");
            try
            {
                using var response = await client.GetAsync(new Uri("https://127.0.0.1:8443/healthz"), TestContext.Current.CancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"/healthz did not answer within 90 s: {string.Join('\n', log)}");
    }

    /// <summary>Runs /usr/bin/nasdash in the root, in <paramref name="args"/>'s last element as working directory.</summary>
    private static (int ExitCode, string Output) RunInstalled(ThrowawayRoot root, params string[] args)
    {
        var start = root.Start(args[^1], "/usr/bin/nasdash", args[..^1]);
        start.Environment.Remove("NasDash__DataDirectory");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "nasdash console did not finish within 60 s");
        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>sshd's stack as the pam_oath era's `ssh-2fa enable` left it.</summary>
    private static string OathWiring(string pam)
    {
        var template = File.ReadAllText(Path.Combine(DebianPackageBuild.RepositoryRoot, "App", "Features", "Ssh", "TwoFactorWiring", "pam-sshd-2fa-oath"))
            .Replace("@OATH_USERS_FILE@", "/var/lib/nasdash/users.oath", StringComparison.Ordinal)
            .Replace("@FAILLOCK_DIRECTORY@", "/var/run/faillock", StringComparison.Ordinal);
        var lines = pam.Split('\n').ToList();
        var index = lines.FindIndex(l => l.Trim() == "@include common-auth");
        Assert.True(index >= 0, "the machine's /etc/pam.d/sshd has no '@include common-auth'");
        lines.RemoveAt(index);
        lines.InsertRange(index, [NasDash.Features.Ssh.SshTwoFactorWiring.BlockBegin, NasDash.Features.Ssh.SshTwoFactorWiring.ReplacedPrefix + "@include common-auth",
            .. template.TrimEnd('\n').Split('\n'), NasDash.Features.Ssh.SshTwoFactorWiring.BlockEnd]);
        return string.Join('\n', lines);
    }

    private static void Dpkg(ThrowawayRoot root, params string[] args)
    {
        var (exit, output) = root.Run("dpkg", args);
        TestContext.Current.TestOutputHelper?.WriteLine($"dpkg {string.Join(' ', args)}: {output}");
        Assert.True(exit == 0, $"dpkg {string.Join(' ', args)} failed: {output}");
    }

    /// <summary>
    /// Fleet mode: where Debian's etcd-server is installed, its member starts before NasDash; NasDash needs none to start
    /// (ordering only, no Requires=, Wants=, BindsTo= or Requisite=). The unit verifies with and without an etcd unit beside it.
    /// </summary>
    private static async Task CheckEtcdOrderingAsync(ThrowawayRoot root)
    {
        var unit = await File.ReadAllTextAsync(root.HostPath(Unit), TestContext.Current.CancellationToken);
        Assert.Contains("etcd.service", UnitValues(unit, "After"));
        foreach (var pulling in new[] { "Requires", "Requisite", "BindsTo", "PartOf", "Upholds", "Wants" })
        {
            Assert.DoesNotContain("etcd.service", UnitValues(unit, pulling));
        }

        const string EtcdUnit = "/usr/lib/systemd/system/etcd.service";
        if (!Exists(root, EtcdUnit))
        {
            // The shape of etcd-server's unit, for a machine without it.
            await File.WriteAllTextAsync(root.HostPath(EtcdUnit),
                "[Unit]\nDescription=etcd - highly-available key value store\nAfter=network-online.target\nWants=network-online.target\n\n" +
                "[Service]\nType=notify\nUser=etcd\nExecStart=/usr/bin/etcd\nRestart=on-abnormal\n\n[Install]\nWantedBy=multi-user.target\n",
                TestContext.Current.CancellationToken);
        }

        var withEtcd = root.Run("systemd-analyze", "verify", Unit);
        Assert.True(withEtcd.ExitCode == 0 && withEtcd.Output.Trim().Length == 0, withEtcd.Output);
        Assert.Equal(0, root.Run("rm", "-f", EtcdUnit, "/lib/systemd/system/etcd.service", "/etc/systemd/system/etcd.service").ExitCode);
        var withoutEtcd = root.Run("systemd-analyze", "verify", Unit);
        Assert.True(withoutEtcd.ExitCode == 0 && withoutEtcd.Output.Trim().Length == 0, withoutEtcd.Output);
    }

    /// <summary>Every value of a dependency setting in the unit's [Unit] section (space-separated, possibly over several lines).</summary>
    private static List<string> UnitValues(string unit, string setting) =>
        [.. unit.Split('\n')
            .SkipWhile(line => line.Trim() != "[Unit]").Skip(1).TakeWhile(line => !line.TrimStart().StartsWith('['))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith(setting + "=", StringComparison.Ordinal))
            .SelectMany(line => line[(setting.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    private static bool Installed(ThrowawayRoot root) =>
        root.Run("dpkg-query", "-W", "-f=${Status}", "nasdash") is { ExitCode: 0 } status && !status.Output.Contains("not-installed", StringComparison.Ordinal);

    private static bool Exists(ThrowawayRoot root, string path) =>
        File.Exists(root.HostPath(path)) || Directory.Exists(root.HostPath(path)) || new FileInfo(root.HostPath(path)).LinkTarget is not null;

    private static (string User, string Group, string Mode) Owner(ThrowawayRoot root, string path)
    {
        var fields = root.Run("stat", "-c", "%U %G %a", path).Output.Trim().Split(' ');
        return (fields[0], fields[1], fields[2]);
    }

    private static void Require() =>
        HostTools.Require(["dpkg", "dpkg-deb", "dpkg-shlibdeps", "dpkg-architecture", "readelf", "lintian", .. Features.Ssh.PamModule.Programs, "systemd-analyze", "deb-systemd-helper", "man", "gzip", "kill", "stat", .. ThrowawayRoot.Programs]);
}
