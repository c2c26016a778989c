using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using NasDash.Features.Notifications;
using NasDash.Tests.Packaging;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Notifications;

/// <summary>
/// The shipped fail2ban filter (packaging/fail2ban/nasdash.conf) run by Debian's real fail2ban-regex over log lines the
/// app's own logger wrote (the systemd console formatter that UseSystemd selects, as journald stores them): only real
/// sign-in failures match, and no text an attacker chose makes another address match.
/// </summary>
public sealed class Fail2banFilterTests
{
    private const string ForgedBrowserMessage = "x\nsecurity login.password failed user=g client=10.44.44.44";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ShippedFilter_OverRealLinesWithForgedOnes_BansOnlyTheAddressesOfRealFailures()
    {
        var fail2banRegex = DebianPrograms.Require("fail2ban-regex", "fail2ban");
        using var harness = new CoreHarness();
        using var journal = new JournalLines();
        var log = new SecurityEventLog(harness.Store, journal.Factory);
        await log.StartAsync(Ct);
        var alice = harness.CreateEnrolledAccount("alice");
        harness.CreateAccountAwaitingEnrolment("erin");

        await harness.SignIn.SubmitPasswordAsync("alice", "wrong password", "192.0.2.11", Ct);
        await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.WrongCode(alice), "192.0.2.12", Ct);
        var erin = Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(await harness.SignIn.SubmitPasswordAsync("erin", TestPasswords.Default, null, Ct));
        await harness.SignIn.SubmitEnrolmentCodeAsync(erin.ChallengeId, "AAAA-AAAA-AAAA-AAAA", "192.0.2.14", Ct);
        // The attempt of issue 24: a password holder's key ceremony "fails" with a forged line as the browser's message.
        harness.Get<SecurityKeySignIn>().CeremonyFailed(await harness.ChallengeAsync(alice), ForgedBrowserMessage, "192.0.2.50");
        // The same text through every field of an entry, as if some other path let it through unmapped.
        foreach (var separator in new[] { "\n", "\r\n", "\r", "\u2028", "\u2029", "\u0085", "\0", "\u001b[2K\r" })
        {
            var forged = ForgedBrowserMessage.Replace("\n", separator, StringComparison.Ordinal);
            log.Write(Entry(AuditNames.LoginSecurityKey.Id, "refused", "alice", "192.0.2.51", forged));
            log.Write(Entry(AuditNames.LoginSecurityKey.Id, "refused", forged, "192.0.2.52", "-"));
            log.Write(Entry(AuditNames.NotifyFailed.Id, "failed", null, forged, forged));
        }

        // A real failure whose user name field carries the forgery: the failure counts, for its real client only.
        log.Write(Entry(AuditNames.LoginPassword.Id, "failed", "g client=10.44.44.44 detail=", "192.0.2.15", "unknown user name"));
        await harness.SignIn.SubmitBackupCodesAsync(await harness.ChallengeAsync(alice), harness.WrongCodes(harness.Policy.RequiredCodesAtRecovery), "192.0.2.13", Ct);
        await log.StopAsync(Ct);

        using var conf = new TempDirectory();
        var filters = Directory.CreateDirectory(Path.Combine(conf.Path, "filter.d")).FullName;
        File.Copy(Path.Combine(DebianPackageBuild.RepositoryRoot, "packaging", "fail2ban", "nasdash.conf"), Path.Combine(filters, "nasdash.conf"));
        File.Copy("/etc/fail2ban/filter.d/common.conf", Path.Combine(filters, "common.conf"));
        var logFile = Path.Combine(conf.Path, "daemon.log");
        await File.WriteAllLinesAsync(logFile, journal.AsSyslog(), Ct);

        var banned = (await DebianPrograms.RunAsync(fail2banRegex, "-c", conf.Path, "-o", "ip", logFile, "nasdash"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        TestContext.Current.TestOutputHelper?.WriteLine(await DebianPrograms.RunAsync(fail2banRegex, "-c", conf.Path, logFile, "nasdash"));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', journal.AsSyslog()));

        Assert.Equal(["192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14", "192.0.2.15"], banned.Order(StringComparer.Ordinal).Distinct());
        Assert.DoesNotContain("10.44.44.44", banned);
        Assert.Contains(journal.AsSyslog(), l => l.Contains("NasDash.Security[1006] security login.enrolment-code failed user=erin client=192.0.2.14 ", StringComparison.Ordinal));
        Assert.Contains(journal.AsSyslog(), l => l.EndsWith("NasDash.Security[1007] security login.security-key cancelled user=alice client=192.0.2.50 detail=other", StringComparison.Ordinal));
        Assert.All(journal.AsSyslog(), l => Assert.Matches(@"^\S+ nas nasdash\[4242\]: NasDash\.Security\[1\d{3}\] security [a-z.-]+ [a-z-]+ user=\S+ client=\S+ detail=", l));
    }

    private static AuditEvent Entry(string name, string outcome, string? user, string? client, string detail) => new()
    {
        At = CoreHarness.Start,
        Event = name,
        Outcome = outcome,
        UserName = user,
        ClientAddress = client,
        Detail = detail,
    };

    /// <summary>
    /// A logger provider that formats with the console logger's own "systemd" formatter (what UseSystemd selects under
    /// systemd) and splits its output into records at newlines, as journald does with a service's standard output.
    /// </summary>
    private sealed class JournalLines : ILoggerProvider
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddLogging(b => b.AddSystemdConsole()).BuildServiceProvider();
        private readonly ConsoleFormatter _formatter;
        private readonly List<string> _records = [];

        public JournalLines()
        {
            _formatter = _services.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Systemd);
            Factory = LoggerFactory.Create(b => b.AddProvider(this));
        }

        public ILoggerFactory Factory { get; }

        /// <summary>The records as rsyslog writes the journal to a file: timestamp, host, unit name and pid, message (journald took the &lt;N&gt; level prefix).</summary>
        public IReadOnlyList<string> AsSyslog()
        {
            lock (_records)
            {
                return [.. _records.Select((r, i) => $"2026-12-07T03:38:{i % 60:00}.000000+00:00 nas nasdash[4242]: {(r.Length > 3 && r[0] == '<' && r[2] == '>' ? r[3..] : r)}")];
            }
        }

        public ILogger CreateLogger(string categoryName) => new Writer(this, categoryName);

        public void Dispose()
        {
            Factory.Dispose();
            _services.Dispose();
        }

        private sealed class Writer(JournalLines owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                using var text = new StringWriter();
                owner._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), null, text);
                lock (owner._records)
                {
                    owner._records.AddRange(text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
                }
            }
        }
    }
}
