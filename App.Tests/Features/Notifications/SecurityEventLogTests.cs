using Microsoft.Extensions.Logging;
using NasDash.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Notifications;

public sealed class SecurityEventLogTests
{
    [Fact]
    public async Task CommittedAuditEntry_IsOneStructuredLineWithAStableEventId()
    {
        using var harness = new CoreHarness();
        using var provider = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        var log = new SecurityEventLog(harness.Store, factory);
        await log.StartAsync(TestContext.Current.CancellationToken);
        harness.CreateEnrolledAccount("alice");

        await harness.SignIn.SubmitPasswordAsync("alice", "wrong password", "203.0.113.5", TestContext.Current.CancellationToken);
        await log.StopAsync(TestContext.Current.CancellationToken);

        var line = Assert.Single(provider.Lines, l => l.Category == SecurityEventLog.Category);
        Assert.Equal(1001, line.EventId.Id);
        Assert.Equal("login.password", line.EventId.Name);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal("security login.password failed user=alice client=203.0.113.5 detail=untrusted browser; failures=1", line.Message);
        Assert.Equal(SecurityEventLog.Template, line.State["{OriginalFormat}"]);
        Assert.Equal("alice", line.State["User"]);
        Assert.Equal("203.0.113.5", line.State["Client"]);
    }

    public static TheoryData<string, string> Breakers => new()
    {
        { "CR", "\r" }, { "LF", "\n" }, { "CRLF", "\r\n" }, { "NUL", "\0" }, { "ESC", "\u001b" }, { "U+2028", "\u2028" }, { "U+2029", "\u2029" },
        { "NEL", "\u0085" }, { "RLO", "\u202E" },
    };

    [Theory]
    [MemberData(nameof(Breakers))]
    public void Write_ABreakerInEveryField_OneLineWithEveryFieldEscaped(string name, string breaker)
    {
        using var provider = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        using var harness = new CoreHarness();
        var forged = $"x{breaker}security login.password failed user=g client=10.44.44.44";

        new SecurityEventLog(harness.Store, factory).Write(new AuditEvent
        {
            At = CoreHarness.Start, Event = $"login.security-key{breaker}", Outcome = $"refused{breaker}", UserName = forged, ClientAddress = forged, Detail = forged,
        });

        var line = Assert.Single(provider.Lines);
        var shown = UntrustedText.Escape(breaker);
        Assert.NotEqual(breaker, shown);
        Assert.False(UntrustedText.HasControlCharacters(line.Message), $"{name} reached the line: {line.Message}");
        var token = $"x{shown}security\\x20login.password\\x20failed\\x20user=g\\x20client=10.44.44.44";
        Assert.Equal($"security login.security-key{shown} refused{shown} user={token} client={token} detail=x{shown}security login.password failed user=g client=10.44.44.44",
            line.Message);
        Assert.DoesNotContain(" client=10.44.44.44 detail=", line.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("succeeded", LogLevel.Information)]
    [InlineData("signed-in", LogLevel.Information)]
    [InlineData("chosen", LogLevel.Information)]
    [InlineData("verified", LogLevel.Information)]
    [InlineData("downloaded-and-confirmed", LogLevel.Information)]
    [InlineData("issued", LogLevel.Information)]
    [InlineData("failed", LogLevel.Warning)]
    [InlineData("refused", LogLevel.Warning)]
    [InlineData("superlocked", LogLevel.Warning)]
    [InlineData("cancelled", LogLevel.Warning)]
    public void Write_Outcome_SuccessfulStepsAtInformationFailuresAtWarning(string outcome, LogLevel expected)
    {
        using var provider = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        using var harness = new CoreHarness();

        new SecurityEventLog(harness.Store, factory).Write(new AuditEvent { At = CoreHarness.Start, Event = AuditNames.SetupAdministrator.Id, Outcome = outcome, UserName = "owner" });

        Assert.Equal(expected, Assert.Single(provider.Lines).Level);
    }

    [Fact]
    public void NoticeAndItsAuditEntry_RollBackTogether()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var account = harness.Stored(alice);
        harness.Store.Delete(alice.Id);

        // The account is gone, so the update throws after the audit entry and its notice were written in the transaction.
        Assert.Throws<InvalidOperationException>(() => harness.Store.Update(account,
            new AuditEvent { At = CoreHarness.Start, UserName = "alice", Event = "console.unlock", Outcome = "succeeded" }));

        Assert.Empty(harness.Store.AllNotices(10));
        Assert.Empty(harness.AuditOf("alice", "console."));
    }

    [Fact]
    public async Task LockoutEvent_QueuesItsNoticeInTheSameCommit_WithNoSecretInIt()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);

        await harness.SignIn.SubmitBackupCodesAsync(challenge, harness.WrongCodes(harness.Policy.RequiredCodesAtRecovery), "192.0.2.1", TestContext.Current.CancellationToken);
        harness.Reopen();

        var notice = Assert.Single(harness.Store.AllNotices(10));
        Assert.Equal(SecurityNoticeKind.RecoveryStarted, notice.Kind);
        Assert.Equal("alice", notice.UserName);
        Assert.Equal("192.0.2.1", notice.ClientAddress);
        Assert.Equal(AccountState.Recovery, notice.AccountState);
        Assert.Null(notice.DoneAt);
        Assert.Null(notice.Detail);
    }

    private sealed record LogLine(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> State);

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public List<LogLine> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Recorder(RecordingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
                lock (owner.Lines)
                {
                    owner.Lines.Add(new LogLine(category, logLevel, eventId, formatter(state, exception), values.ToDictionary(p => p.Key, p => p.Value)));
                }
            }
        }
    }
}
