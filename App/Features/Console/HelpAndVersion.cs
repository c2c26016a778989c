using System.Reflection;
using NasDash.Features.Console;

namespace NasDash.Features.Console;

/// <summary>
/// `nasdash --help` and `nasdash --version` (CONTRACT.md): print, exit 0, start nothing. Checked before the web host is
/// built, since the host's command-line configuration would read `--version` as a key and take the next argument as its value.
/// </summary>
public static class HelpAndVersion
{
    private static readonly string[] HelpFlags = ["--help", "-h", "-?"];
    private const string VersionFlag = "--version";

    /// <summary>The first of --help or --version among the server's arguments, or null when the server should start.</summary>
    public static string? Requested(string[] args)
    {
        if (ConsoleMode.IsRequested(args))
        {
            return null;
        }

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == VersionFlag || HelpFlags.Contains(arg))
            {
                return arg;
            }

            // `--key value`: skip the value, so a value that happens to read `--help` is not taken for the flag.
            if (arg.StartsWith('-') && !arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
            {
                i++;
            }
        }

        return null;
    }

    public static async Task<int> PrintAsync(string flag, ConsoleIo io)
    {
        if (flag == VersionFlag)
        {
            await io.Out.WriteLineAsync($"nasdash {Version}");
            return ConsoleMode.Done;
        }

        await io.Out.WriteLineAsync(ServerUsage);
        return await ConsoleMode.RunAsync([ConsoleMode.Verb, "--help"], io);
    }

    public static string Version { get; } =
        typeof(HelpAndVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HelpAndVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private const string ServerUsage = """
        Usage:
          nasdash [--urls <url>] [--NasDash:DataDirectory <dir>] [--<Section>:<Key> <value> ...]
                                   run the web dashboard (settings as in appsettings.json, also from NasDash__<Key>)
          nasdash console [<command>] [--data <dir>]
                                   the appliance's local console; without a command an interactive menu
          nasdash --version        print the version
          nasdash --help           print this help

        """;
}
