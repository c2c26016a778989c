using System.Diagnostics;
using System.Runtime.Versioning;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NasDash.Storage;
using NasDash.Features.Ssh;
using NasDash.Hosting;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Ssh;

/// <summary>
/// A private OpenSSH server for one test: its own config, host key, PID file, drop-in directory and authorized
/// key, listening on a free loopback port. It runs in a throwaway root where a test user exists (passwd and shadow
/// replaced) and, optionally, a test PAM stack replaces /etc/pam.d/sshd, so the machine's own accounts and PAM
/// configuration are never touched, nor /run/sshd, wtmp, lastlog or btmp.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TestSshd : IDisposable
{
    public const string User = "nasdashssh";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly List<Process> _clients = [];
    private readonly ThrowawayRoot _root;
    private Process _listener;

    private TestSshd(string? pamConfig, string? authenticationMethods, string? pamDirectory = null)
    {
        var usePam = pamConfig is not null || pamDirectory is not null;
        Directory = System.IO.Directory.CreateTempSubdirectory("nasdash-sshd-").FullName;
        // sshd reads the authorized key as the test user, so the path must be traversable by it.
        File.SetUnixFileMode(Directory, AtomicFile.WorldReadable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        DropInDirectory = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "sshd_config.d")).FullName;
        PidFile = Path.Combine(Directory, "sshd.pid");
        ClientKey = Path.Combine(Directory, "client_key");
        LogFile = Path.Combine(Directory, "sshd.log");
        Port = FreePort();

        Check(HostTools.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Directory, "host_key")));
        Check(HostTools.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey));
        File.Copy(ClientKey + ".pub", Path.Combine(Directory, "authorized_keys"));
        File.SetUnixFileMode(Path.Combine(Directory, "authorized_keys"), AtomicFile.WorldReadable);
        WriteAccountFiles();
        if (pamConfig is not null)
        {
            File.WriteAllText(Path.Combine(Directory, "pam_sshd"), pamConfig);
        }

        // The Include comes first, as in Debian's sshd_config.
        File.WriteAllText(ConfigFile, $"""
            Include {DropInDirectory}/*.conf
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Directory}/host_key
            PidFile {PidFile}
            AuthorizedKeysFile {Directory}/authorized_keys
            StrictModes no
            PermitRootLogin no
            PasswordAuthentication no
            UsePAM {(usePam ? "yes" : "no")}
            KbdInteractiveAuthentication {(usePam ? "yes" : "no")}
            AuthenticationMethods {authenticationMethods ?? "publickey"}
            """);
        var replacements = new Dictionary<string, string> { ["/etc/passwd"] = Path.Combine(Directory, "passwd"), ["/etc/shadow"] = Path.Combine(Directory, "shadow") };
        if (pamConfig is not null)
        {
            replacements["/etc/pam.d/sshd"] = Path.Combine(Directory, "pam_sshd");
        }

        if (pamDirectory is not null)
        {
            replacements["/etc/pam.d"] = pamDirectory;
        }

        _root = new ThrowawayRoot(replacements);
        try
        {
            _listener = StartListener();
        }
        catch
        {
            _root.Dispose();
            throw;
        }
    }

    public string Directory { get; }
    public string DropInDirectory { get; }
    public string PidFile { get; }
    public string ClientKey { get; }
    public string LogFile { get; }
    public int Port { get; }
    public string ConfigFile => Path.Combine(Directory, "sshd_config");

    /// <summary>A command prefix that runs a program inside this sshd's throwaway root (which has its /run/sshd, PAM and users).</summary>
    public string[] InRoot(string workingDirectory) => _root.Prefix(workingDirectory);

    /// <summary>Where a path of this sshd's throwaway root is seen from the test (writes land in the root's own layer).</summary>
    public string HostPath(string path) => _root.HostPath(path);
    public int ListenerPid => _listener.Id;

    /// <summary>An sshd that accepts the test user's key alone (UsePAM no).</summary>
    public static TestSshd Start() => new(null, null);

    /// <summary>An sshd that runs the given PAM stack for the test user; <paramref name="authenticationMethods"/> as in sshd_config.</summary>
    public static TestSshd StartWithPam(string pamConfig, string authenticationMethods) => new(pamConfig, authenticationMethods);

    /// <summary>
    /// An sshd that sees <paramref name="pamDirectory"/> as /etc/pam.d: files replaced in it (renamed over) reach
    /// this sshd, which a bind mount of a single file would not follow.
    /// </summary>
    public static TestSshd StartWithPamDirectory(string pamDirectory, string authenticationMethods) => new(null, authenticationMethods, pamDirectory);

    public SshOptions Options => new() { DropInDirectory = DropInDirectory, PidFile = PidFile };

    /// <summary>Starts an SSH session running <paramref name="command"/>; it stays open while the command runs.</summary>
    public Process OpenSession(string command, bool terminal = false)
    {
        var start = Client(command, terminal);
        start.RedirectStandardInput = true;
        var process = Process.Start(start)!;
        _clients.Add(process);
        return process;
    }

    /// <summary>Logs in with the key and runs a command to completion: exit code and output (255 when refused).</summary>
    public (int ExitCode, string Output) Run(string command)
    {
        using var process = Process.Start(Client(command, terminal: false))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Stops the listener and starts a new one on the same port; open sessions live on, re-parented to PID 1.</summary>
    public void Restart()
    {
        _listener.Kill();
        _listener.WaitForExit();
        _listener.Dispose();
        File.Delete(PidFile);
        _listener = StartListener();
    }

    public string Log() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <summary>The ssh command line options that make a client ignore the machine's and the user's SSH configuration.</summary>
    public IReadOnlyList<string> ClientOptions() =>
    [
        "-F", "/dev/null", "-i", ClientKey, "-p", Port.ToString(CultureInfo.InvariantCulture),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
        "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
    ];

    public void Dispose()
    {
        // End whatever sessions a failed test left behind, the same way NasDash does.
        var processes = new ProcessTable(ProcessTable.DefaultRoot);
        if (new SshDaemon(Options, processes, TimeProvider.System).FindListener() is ListenerLookup.Running running)
        {
            new SshSessions(processes).EndAll(running.Listener);
        }

        foreach (var client in _clients)
        {
            if (!client.HasExited)
            {
                client.Kill(entireProcessTree: true);
            }

            client.Dispose();
        }

        if (!_listener.HasExited)
        {
            _listener.Kill();
            _listener.WaitForExit();
        }

        _listener.Dispose();
        _root.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private ProcessStartInfo Client(string command, bool terminal)
    {
        var start = new ProcessStartInfo(HostTools.Find("ssh")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var option in ClientOptions())
        {
            start.ArgumentList.Add(option);
        }

        start.ArgumentList.Add("-o");
        start.ArgumentList.Add("BatchMode=yes");
        if (terminal)
        {
            start.ArgumentList.Add("-tt");
        }

        start.ArgumentList.Add($"{User}@127.0.0.1");
        start.ArgumentList.Add(command);
        return start;
    }

    private Process StartListener()
    {
        // An absolute -f path: sshd re-executes itself with its original arguments on SIGHUP.
        var start = _root.Start("/", HostTools.Find("sshd")!, "-D", "-f", ConfigFile, "-E", LogFile);
        start.RedirectStandardOutput = false;
        start.RedirectStandardError = false;
        var listener = Process.Start(start)!;
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (listener.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with {listener.ExitCode}: {Log()}");
            }

            if (File.Exists(PidFile) && File.ReadAllText(PidFile).Trim() == listener.Id.ToString(CultureInfo.InvariantCulture) && Accepts())
            {
                return listener;
            }

            Thread.Sleep(50);
        }

        listener.Kill();
        throw new TimeoutException($"sshd did not start within {StartTimeout.TotalSeconds} s: {Log()}");
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>passwd and shadow with the test user added; only the private sshd sees them.</summary>
    private void WriteAccountFiles()
    {
        var passwd = File.ReadAllText("/etc/passwd");
        var usedIds = passwd.Split('\n').Select(l => l.Split(':')).Where(f => f.Length > 2).Select(f => f[2]).ToHashSet();
        var uid = Enumerable.Range(61000, 4000).First(id => !usedIds.Contains(id.ToString(CultureInfo.InvariantCulture)));
        File.WriteAllText(Path.Combine(Directory, "passwd"), $"{passwd.TrimEnd('\n')}\n{User}:x:{uid}:65534:NasDash SSH test:{Directory}:/bin/sh\n");
        // "*": no password, but not a locked account ("!"), which sshd refuses even for key logins when UsePAM is off.
        File.WriteAllText(Path.Combine(Directory, "shadow"), $"{File.ReadAllText("/etc/shadow").TrimEnd('\n')}\n{User}:*:19000:0:99999:7:::\n");
        File.SetUnixFileMode(Path.Combine(Directory, "shadow"), AtomicFile.OwnerReadWrite);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static void Check((int ExitCode, string Output) result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Output);
        }
    }
}
