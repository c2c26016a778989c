using System.Runtime.Versioning;
using NasDash.Features.Console;
using NasDash.Features.Ssh;
using NasDash.Tests.Packaging;
using NasDashProcess = NasDash.Tests.Features.Console.NasDashProcess;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Ssh;

/// <summary>
/// pam_nasdash.so as the Debian package build makes it (packaging/pam/build.sh, which packaging/deb/build.sh runs),
/// built once per test run, and the stand-ins a test gives it: the PAM lines, and a `nasdash` program for its
/// fallback that runs this build's NasDash.dll with the test's SSH paths. The module goes into a throwaway root's
/// PAM module directory only, never the machine's.
/// </summary>
[SupportedOSPlatform("linux")]
public static class PamModule
{
    private static readonly Lazy<string> Built = new(Build);

    public static string MultiarchDirectory => SshTwoFactorWiring.ModuleDirectories[0];

    /// <summary>The programs building and loading the module needs (gcc, libpam0g-dev's headers come with the build).</summary>
    public static readonly string[] Programs = ["gcc", "strip", "pamtester"];

    public static string Path => Built.Value;

    /// <summary>Copies the module into <paramref name="root"/>'s PAM module directory (the root's copy-on-write layer).</summary>
    public static void InstallInto(Func<string, string> hostPath)
    {
        var target = hostPath(System.IO.Path.Combine(MultiarchDirectory, SshTwoFactorWiring.Module));
        File.Copy(Path, target, overwrite: true);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>
    /// A `nasdash` for the module's fallback: this build's NasDash.dll with the SSH paths of <paramref name="sshd"/>, so a
    /// lockout decided there shuts off the test's sshd and nothing of the machine's.
    /// </summary>
    public static string Program(string directory, TestSshd? sshd)
    {
        var path = System.IO.Path.Combine(directory, "nasdash");
        var environment = sshd is null ? "" : $"NasDash__Ssh__DropInDirectory='{sshd.DropInDirectory}' NasDash__Ssh__PidFile='{sshd.PidFile}' ";
        File.WriteAllText(path, $"#!/bin/sh\nexec env {environment}'{HostTools.Find(NasDashProcess.DotnetHost) ?? NasDashProcess.DotnetHost}' '{NasDashProcess.Dll}' \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    /// <summary>The PAM stack of a test service: the module asking NasDash on <paramref name="dataDirectory"/>, nothing else deciding.</summary>
    public static string Stack(string dataDirectory, string program) =>
        $"auth required {SshTwoFactorWiring.Module} data={dataDirectory} nasdash={program}\naccount required pam_permit.so\nsession required pam_permit.so\n";

    /// <summary>The running server's console socket on the SSH core's store, as the web server runs it.</summary>
    public static async Task<ConsoleSocketServer> StartServerAsync(SshCore core)
    {
        var server = new ConsoleSocketServer(core.Get<NasDash.Storage.LiteDbStore>(), core.Get<NasDashOptions>(), core.Get<NasDash.Security.Administration.AccountAdministration>(),
            core.Get<NasDash.Security.Ssh.SshCodeCheck>(), Microsoft.Extensions.Logging.Abstractions.NullLogger<ConsoleSocketServer>.Instance);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    private static string Build()
    {
        var output = Directory.CreateTempSubdirectory("nasdash-pam-").FullName;
        var module = System.IO.Path.Combine(output, SshTwoFactorWiring.Module);
        var (exit, log) = HostTools.Run("bash", System.IO.Path.Combine(DebianPackageBuild.RepositoryRoot, "packaging", "pam", "build.sh"), module);
        if (exit != 0)
        {
            throw new InvalidOperationException($"packaging/pam/build.sh failed: {log}");
        }

        return module;
    }
}
