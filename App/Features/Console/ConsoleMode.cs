using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using NasDash.Features.Ssh;
using NasDash.Hosting;
using Spectre.Console;

namespace NasDash.Features.Console;

/// <summary>The console's standard streams; tests pass their own.</summary>
public sealed class ConsoleIo(TextReader input, TextWriter output, TextWriter error, Func<IAnsiConsole> ansi)
{
    // Made on first use: the terminal detection and Spectre.Console's loading are wasted on the verbs that print plain lines.
    private readonly Lazy<IAnsiConsole> _ansi = new(ansi);

    public ConsoleIo(TextReader input, TextWriter output, TextWriter error, IAnsiConsole ansi)
        : this(input, output, error, () => ansi)
    {
    }

    public TextReader In => input;

    public TextWriter Out => output;

    public TextWriter Error => error;

    public IAnsiConsole Ansi => _ansi.Value;

    public static ConsoleIo System() => new(global::System.Console.In, global::System.Console.Out, global::System.Console.Error, () => AnsiConsole.Console);
}

/// <summary>
/// `nasdash console …`: the appliance's local console (CONTRACT.md). Runs before the web host is built. Exit codes:
/// 0 done, 1 refused (unknown user, nothing to do, store unreachable) with a one-line reason on stderr, 2 usage.
/// </summary>
public static class ConsoleMode
{
    public const string Verb = "console";
    public const int Done = 0;
    public const int Refused = 1;
    public const int Usage = 2;

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Verb;

    /// <summary>
    /// A console process runs once and exits, so code generated at run time never pays back its compilation: LiteDB's
    /// mapper compiles a getter and a setter for every stored member, and three regular expressions, ~300 methods each
    /// JIT-compiled fully optimised (a sixth of the ssh-code fallback's CPU, issue 25). Without dynamic code, expression
    /// trees and regular expressions are interpreted, with the same results. Set first in Program, before anything reads it.
    /// </summary>
    public static void InterpretDynamicCode() =>
        AppContext.SetSwitch("System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported", false);

    public static Task<int> RunAsync(string[] args) => RunAsync(args, ConsoleIo.System());

    /// <param name="settings">Configuration over the host's (tests: a fleet of their own).</param>
    public static async Task<int> RunAsync(string[] args, ConsoleIo io, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var data = new Option<string?>("--data")
        {
            Description = "The data directory (default: NasDash:DataDirectory from appsettings.json or NasDash__DataDirectory, as the server finds it).",
            HelpName = "dir",
            Recursive = true,
        };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var user = new Argument<string>("user") { Description = "The administrator's user name." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the new password from the first line of standard input instead of asking twice." };

        var status = new Command("status", "Every account: lockout state and since when, failures counted, 2FA enrolled, backup codes in the current set; the SSH login state.") { json };
        var unlock = new Command("unlock", "Lift any lockout (Throttled, Recovery, SuperLocked, appliance-wide) AND reset the user's second factor: TOTP secret and backup codes cleared, sessions ended; the user enrols again at the next sign-in.") { user };
        var resetPassword = new Command("reset-password", "Set a new password for the user (the setup wizard's rules) and end the user's sessions.") { user, passwordStdin };
        var sshEnable = new Command("ssh-enable", "Re-enable SSH login after a lockout event switched it off.");
        var client = new Option<string?>("--client") { Description = "The address the SSH client connected from (PAM_RHOST), for the audit log.", HelpName = "address" };
        // pam_nasdash.so's fallback where no server runs: the code comes on standard input, never in the argument list.
        var sshCode = new Command(ConsoleProtocol.SshCode, "Check the code on the first line of standard input for the user's SSH sign-in (used by pam_nasdash.so).") { user, client };
        sshCode.Hidden = true;
        var wiringEnable = new Command("enable", "Install the sshd drop-in and put pam_nasdash.so, which asks NasDash for every SSH code, in place of '@include common-auth' in /etc/pam.d/sshd (a backup is kept; sshd must accept its configuration). Migrates the older pam_oath + pam_faillock wiring. Refuses, changing nothing, a PAM stack that is not the one Debian ships.");
        var wiringDisable = new Command("disable", "Remove the sshd drop-in and restore /etc/pam.d/sshd byte for byte.");
        var wiringStatus = new Command("status", "Whether the PAM stack and the sshd drop-in are wired.");
        var sshTwoFactor = new Command("ssh-2fa", "Wire 2FA for SSH (pam_nasdash.so: NasDash checks every SSH code) into sshd and its PAM stack, or undo it. Running a verb twice changes nothing the second time.")
        {
            wiringEnable, wiringDisable, wiringStatus,
        };
        (IConfiguration, IHostEnvironment) Settings()
        {
            var (configuration, environment) = HostSettings();
            return settings is null ? (configuration, environment) : (new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(settings).Build(), environment);
        }

        var fleet = FleetCommands.Create(io, data, DataDirectoryOf, Settings, Actor);
        var console = new Command(Verb, "The appliance's local console. Without a command: an interactive menu.") { data, status, unlock, resetPassword, sshEnable, sshTwoFactor, fleet, sshCode };
        // Named as the packaged program is on the PATH, whatever file the process was started from.
        var root = new Command("nasdash", "NasDash: the NAS appliance's web dashboard and its local console.") { new HelpOption(), console };

        console.SetAction((parse, ct) =>
        {
            if (!io.Ansi.Profile.Capabilities.Interactive)
            {
                io.Error.WriteLine("nasdash console: the menu needs a terminal; use a command instead, e.g. 'nasdash console status' (see --help).");
                return Task.FromResult(Usage);
            }

            return RunAsync(io, Settings, parse.GetValue(data), channel => new ConsoleMenu(io.Ansi, channel, Actor()).RunAsync(ct));
        });
        status.SetAction((parse, ct) => RunAsync(io, Settings, parse.GetValue(data), async (channel, directory) =>
        {
            var reply = await channel.SendAsync(new ConsoleRequest(ConsoleProtocol.Status, Actor: Actor()), ct);
            if (reply.Status is null)
            {
                return Refuse(io, reply.Message);
            }

            if (parse.GetValue(json))
            {
                io.Out.WriteLine(StatusView.Json(reply.Status, directory, channel.Via));
            }
            else
            {
                StatusView.Render(io.Ansi, reply.Status);
            }

            return Done;
        }));
        unlock.SetAction((parse, ct) => RunAsync(io, Settings, parse.GetValue(data), channel =>
            SendAsync(io, channel, new ConsoleRequest(ConsoleProtocol.Unlock, parse.GetValue(user)!, Actor: Actor()), ct)));
        foreach (var verb in new[] { wiringEnable, wiringDisable, wiringStatus })
        {
            verb.SetAction(parse => Wire(io, parse.GetValue(data), verb.Name));
        }
        resetPassword.SetAction((parse, ct) =>
        {
            var name = parse.GetValue(user)!;
            string? password;
            if (parse.GetValue(passwordStdin))
            {
                password = io.In.ReadLine()?.TrimEnd('\r');
                if (string.IsNullOrEmpty(password))
                {
                    io.Error.WriteLine("nasdash console: --password-stdin found no password on standard input.");
                    return Task.FromResult(Usage);
                }
            }
            else if (!io.Ansi.Profile.Capabilities.Interactive)
            {
                io.Error.WriteLine("nasdash console: no terminal to ask for the password; pipe it in with --password-stdin.");
                return Task.FromResult(Usage);
            }
            else
            {
                password = null;
            }

            return RunAsync(io, Settings, parse.GetValue(data), async channel =>
            {
                // Asked only once the store is known to be reachable, so nobody types a password for nothing.
                password ??= ConsoleMenu.AskNewPassword(io.Ansi, name);
                return password is null
                    ? Refuse(io, "The two passwords do not match; nothing changed.")
                    : await SendAsync(io, channel, new ConsoleRequest(ConsoleProtocol.ResetPassword, name, password, Actor()), ct);
            });
        });
        sshEnable.SetAction((parse, ct) => RunAsync(io, Settings, parse.GetValue(data), channel =>
            SendAsync(io, channel, new ConsoleRequest(ConsoleProtocol.SshEnable, Actor: Actor()), ct)));
        sshCode.SetAction((parse, ct) =>
        {
            var code = io.In.ReadLine()?.Trim();
            return RunAsync(io, Settings, parse.GetValue(data), channel =>
                SendAsync(io, channel, new ConsoleRequest(ConsoleProtocol.SshCode, parse.GetValue(user), code, "pam_nasdash", parse.GetValue(client)), ct));
        });

        var parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            var path = new List<string>();
            for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            {
                path.Insert(0, result.Command.Name);
            }

            var command = string.Join(' ', path);
            io.Error.WriteLine($"{command}: {string.Join(" ", parsed.Errors.Select(e => e.Message))} See '{command} --help'.");
            return Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Error, EnableDefaultExceptionHandler = false });
    }

    private static Task<int> RunAsync(ConsoleIo io, Func<(IConfiguration, IHostEnvironment)> settings, string? dataOption,
        Func<IAdministrationChannel, Task<int>> work) =>
        RunAsync(io, settings, dataOption, (channel, _) => work(channel));

    /// <param name="settings">The configuration the server would see (with a test's overlay).</param>
    private static async Task<int> RunAsync(ConsoleIo io, Func<(IConfiguration, IHostEnvironment)> settings, string? dataOption,
        Func<IAdministrationChannel, string, Task<int>> work)
    {
        try
        {
            var (configuration, environment) = settings();
            var directory = DataDirectoryOf(dataOption);
            await using var channel = await AdministrationChannel.OpenAsync(directory, configuration, environment);
            return await work(channel, directory);
        }
        catch (ConsoleRefusedException failure)
        {
            return Refuse(io, failure.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An operator at the console needs the reason in one line, not a stack trace.
            return Refuse(io, $"unexpected error: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>The ssh-2fa verbs change host files only, so they need neither the store nor the server.</summary>
    private static int Wire(ConsoleIo io, string? dataOption, string verb)
    {
        if (OperatingSystem.IsWindows())
        {
            return Refuse(io, "2FA for SSH is wired on a Linux host only.");
        }

        try
        {
            var options = HostSshOptions();
            var wiring = new SshTwoFactorWiring(options, new SshDaemon(options, new ProcessTable(ProcessTable.DefaultRoot), TimeProvider.System), DataDirectoryOf(dataOption));
            var result = verb switch
            {
                "enable" => wiring.Enable(),
                "disable" => wiring.Disable(),
                _ => wiring.Status(),
            };
            if (result.Refused)
            {
                return Refuse(io, result.Message);
            }

            io.Out.WriteLine(result.Message);
            return Done;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return Refuse(io, $"unexpected error: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>--data, or the data directory the server would find.</summary>
    private static string DataDirectoryOf(string? dataOption)
    {
        if (dataOption is { Length: > 0 })
        {
            return Path.GetFullPath(dataOption);
        }

        var (configuration, environment) = HostSettings();
        return Storage.DataDirectory.Resolve(configuration[$"{NasDashOptions.Section}:{nameof(NasDashOptions.DataDirectory)}"], environment.ContentRootPath);
    }

    /// <summary>The SSH paths the server uses, from the same configuration.</summary>
    private static SshOptions HostSshOptions()
    {
        var (configuration, _) = HostSettings();
        return (configuration.GetSection(NasDashOptions.Section).Get<NasDashOptions>() ?? new NasDashOptions()).Ssh;
    }

    private static async Task<int> SendAsync(ConsoleIo io, IAdministrationChannel channel, ConsoleRequest request, CancellationToken cancellationToken)
    {
        var reply = await channel.SendAsync(request, cancellationToken);
        if (!reply.Succeeded)
        {
            return Refuse(io, reply.Message);
        }

        io.Out.WriteLine(reply.Message);
        return Done;
    }

    private static int Refuse(ConsoleIo io, string message)
    {
        io.Error.WriteLine($"nasdash console: {message}");
        return Refused;
    }

    /// <summary>The configuration and environment the web server would see (appsettings, environment variables), without building it.</summary>
    private static (IConfiguration Configuration, IHostEnvironment Environment) HostSettings() => ConsoleSettings.Load();

    private static string Actor() => string.IsNullOrWhiteSpace(Environment.UserName) ? "unknown" : Environment.UserName;
}
