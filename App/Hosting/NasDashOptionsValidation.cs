using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace NasDash.Hosting;

/// <summary>
/// Binds the "NasDash" section with the options pattern and refuses, before the store opens, a configuration the
/// server cannot run with: each failure is one line naming its key (NasDash:Session:IdleTimeout …), printed by
/// Program as the reason for exit code 1 instead of an unhandled exception or a value silently changed.
/// </summary>
public static partial class NasDashOptionsValidation
{
    public static OptionsBuilder<NasDashOptions> AddNasDashOptions(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var section = configuration.GetSection(NasDashOptions.Section);
        services.AddSingleton<IValidateOptions<NasDashOptions>, Validator>();
        return services.AddOptions<NasDashOptions>()
            .Configure(options => BindOrRefuse(section, options))
            .PostConfigure(options =>
            {
                options.DataDirectory = Storage.DataDirectory.Resolve(options.DataDirectory, environment.ContentRootPath);
                if (!environment.IsEnvironment("Testing"))
                {
                    options.PasswordIterations = Math.Max(options.PasswordIterations, Security.PasswordHashing.OwaspIterations);
                }
            })
            .ValidateOnStart();
    }

    /// <summary>A value the binder cannot convert (a time span "nonsense") becomes a validation failure naming the key.</summary>
    private static void BindOrRefuse(IConfigurationSection section, NasDashOptions options)
    {
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex) when (FailedConversion().Match(ex.Message) is { Success: true } failed)
        {
            var key = failed.Groups["key"].Value;
            throw new OptionsValidationException(NasDashOptions.Section, typeof(NasDashOptions),
                [$"{key} has '{section.GetSection(key[(NasDashOptions.Section.Length + 1)..]).Value}', which is not a {Describe(failed.Groups["type"].Value)}."]);
        }
    }

    private static string Describe(string type) => type switch
    {
        "System.TimeSpan" => "time span like 00:30:00",
        "System.Int32" => "whole number",
        "System.Boolean" => "true or false",
        _ => $"value of type {type}",
    };

    [GeneratedRegex("at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex FailedConversion();

    private sealed class Validator : IValidateOptions<NasDashOptions>
    {
        private const string Prefix = NasDashOptions.Section + ":";

        public ValidateOptionsResult Validate(string? name, NasDashOptions options)
        {
            var failures = new List<string>();
            var session = options.Session;
            if (session.IdleTimeout <= TimeSpan.Zero)
            {
                failures.Add($"{Prefix}Session:IdleTimeout is {session.IdleTimeout}; it must be longer than zero.");
            }

            if (session.AbsoluteLifetime <= TimeSpan.Zero)
            {
                failures.Add($"{Prefix}Session:AbsoluteLifetime is {session.AbsoluteLifetime}; it must be longer than zero.");
            }

            if (options.Audit.RetentionDays < 1)
            {
                failures.Add($"{Prefix}Audit:RetentionDays is {options.Audit.RetentionDays}; audit events must be kept for at least 1 day.");
            }

            if (DataDirectoryProblem(options.DataDirectory) is { } problem)
            {
                failures.Add($"{Prefix}DataDirectory is '{options.DataDirectory}', which {problem}.");
            }

            try
            {
                ReverseProxy.Parse(options.TrustedProxies);
            }
            catch (StartupRefusedException ex)
            {
                failures.Add(ex.Message);
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        /// <summary>Null when the directory can be used (or created); otherwise what is wrong with it.</summary>
        private static string? DataDirectoryProblem(string path)
        {
            if (File.Exists(path))
            {
                return "is a file, not a directory";
            }

            if (!Directory.Exists(path))
            {
                var parent = Path.GetDirectoryName(path);
                while (parent is not null && !Directory.Exists(parent))
                {
                    if (File.Exists(parent))
                    {
                        return $"cannot be created: {parent} is a file";
                    }

                    parent = Path.GetDirectoryName(parent);
                }

                return null;
            }

            try
            {
                using var entries = Directory.EnumerateFileSystemEntries(path).GetEnumerator();
                entries.MoveNext();
                return null;
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                return $"cannot be read ({ex.Message})";
            }
        }
    }
}
