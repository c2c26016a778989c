using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NasDash.Features.Setup;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Setup;

public sealed class SetupServiceTests : SetupTestContext
{
    public SetupServiceTests()
        : base(services: s => s.AddSingleton<ILogger<SetupService>>(new RecordingLogger()))
    {
    }

    private RecordingLogger Log => (RecordingLogger)Get<ILogger<SetupService>>();

    [Fact]
    public void PrepareAtStart_NoAdministrator_WritesOwnerOnlyTokenFileAndShowsItOnTheTerminalButNotInTheLog()
    {
        using var terminal = new StringWriter();
        Setup.PrepareAtStart();
        Setup.LogPendingSetup(terminal);

        var token = Token();
        Assert.Matches("^([0-9A-Z]{4}-){5}[0-9A-Z]{4}$", token);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Setup.TokenPath));
        }

        Assert.Contains(token, terminal.ToString(), StringComparison.Ordinal);
        Assert.Contains(Log.Messages, m => m.Contains(Setup.TokenPath, StringComparison.Ordinal));
        Assert.DoesNotContain(Log.Messages, m => m.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public void PrepareAtStart_Restart_KeepsTheTokenTheOwnerMayHaveCopied()
    {
        Setup.PrepareAtStart();
        var token = Token();
        var restarted = new SetupService(Get<IAccountStore>(), Get<ISettingsStore>(), Get<IAuditLog>(), Get<EnrolmentService>(),
            Get<PasswordHashing>(), Get<NasDash.Configuration.NasDashOptions>(), Time, Log);

        restarted.PrepareAtStart();

        Assert.Equal(token, Token());
        Assert.IsType<TokenResult.Accepted>(restarted.VerifyToken(token, "192.0.2.1"));
    }

    [Theory]
    [InlineData("upper")]
    [InlineData("lower-spaced")]
    [InlineData("no-dashes")]
    public void VerifyToken_TypedDifferently_Accepted(string variant)
    {
        var token = Token();
        var typed = variant switch
        {
            "upper" => token,
            "lower-spaced" => token.ToLowerInvariant().Replace('-', ' '),
            _ => token.Replace("-", "", StringComparison.Ordinal),
        };

        Assert.IsType<TokenResult.Accepted>(Setup.VerifyToken(typed, "192.0.2.1"));
    }

    [Fact]
    public void VerifyToken_RepeatedWrongTokens_ThrottledWithGrowingDelayForThatClientOnly()
    {
        Setup.PrepareAtStart();
        for (var i = 0; i < SetupTokenThrottle.FreeFailuresPerClient; i++)
        {
            Assert.Equal(new TokenResult.Wrong(null), Setup.VerifyToken("0000-0000-0000-0000-0000-0000", "192.0.2.66"));
        }

        var first = Assert.IsType<TokenResult.Wrong>(Setup.VerifyToken("nope", "192.0.2.66"));
        Assert.Equal(Time.GetUtcNow() + SetupTokenThrottle.FirstClientDelay, first.RetryAfter);
        // Even the right token waits: the throttle is checked before the token.
        Assert.IsType<TokenResult.Throttled>(Setup.VerifyToken(Token(), "192.0.2.66"));
        Assert.IsType<TokenResult.Accepted>(Setup.VerifyToken(Token(), "192.0.2.7"));

        Time.Advance(SetupTokenThrottle.FirstClientDelay);
        var second = Assert.IsType<TokenResult.Wrong>(Setup.VerifyToken("nope", "192.0.2.66"));
        Assert.Equal(Time.GetUtcNow() + 2 * SetupTokenThrottle.FirstClientDelay, second.RetryAfter);
    }

    [Fact]
    public void VerifyToken_WrongTokensFromManyRotatingClients_NeverThrottleTheOwner()
    {
        Setup.PrepareAtStart();
        for (var i = 0; i < 1_000; i++)
        {
            Assert.IsType<TokenResult.Wrong>(Setup.VerifyToken("nope", $"192.0.{i / 250}.{i % 250}"));
        }

        Assert.IsType<TokenResult.Accepted>(Setup.VerifyToken(Token(), "198.51.100.1"));
    }

    [Fact]
    public async Task PrepareAdministrator_InvalidInput_RefusedWithMessagesPerField()
    {
        var result = await Setup.PrepareAdministratorAsync(new NewPassword("Admin!", "short", "other"));

        var errors = Assert.IsType<AdministratorResult.Invalid>(result).Errors;
        Assert.Equal([nameof(NewPassword.Confirmation), nameof(NewPassword.Password), nameof(NewPassword.UserName)], errors.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task PrepareAdministrator_ValidInput_KeepsOnlyAHashThatVerifies()
    {
        var result = await Setup.PrepareAdministratorAsync(new NewPassword(" owner ", TestPasswords.Default, TestPasswords.Default));

        var draft = Assert.IsType<AdministratorResult.Accepted>(result).Draft;
        Assert.Equal("owner", draft.UserName);
        Assert.DoesNotContain(TestPasswords.Default, draft.PasswordHash, StringComparison.Ordinal);
        Assert.Equal(PasswordCheck.Succeeded, Get<PasswordHashing>().VerifyHash(draft.PasswordHash, TestPasswords.Default));
    }

    [Fact]
    public async Task CompleteAsync_Ready_StoresEnrolledAdministratorCompletesSetupAndDeletesToken()
    {
        var wizard = await ReadyWizardAsync("owner");

        var result = await wizard.FinishAsync(TestContext.Current.CancellationToken);

        Assert.IsType<SetupResult.Completed>(result);
        var account = Assert.Single(Get<IAccountStore>().All());
        Assert.Equal("owner", account.UserName);
        Assert.True(account.SecondFactor.IsEnrolled);
        Assert.Equal(wizard.Enrolment!.VerifiedStep, account.SecondFactor.LastTotpStep);
        Assert.Equal(10, account.SecondFactor.BackupCodesInSet);
        Assert.False(account.MustEnrol);
        var settings = Get<ISettingsStore>().Get();
        Assert.True(settings.SetupCompleted);
        Assert.Equal(Time.GetUtcNow(), settings.SetupCompletedAt);
        Assert.True(Setup.IsComplete);
        Assert.False(File.Exists(Setup.TokenPath));
        Assert.True(wizard.Enrolment.Completed);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("administrator")]
    [InlineData("verified")]
    [InlineData("downloaded")]
    [InlineData("confirmed")]
    public async Task CompleteAsync_StepMissing_RefusedAndNothingStored(string missing)
    {
        var ready = await ReadyWizardAsync("owner");
        var enrolments = Get<EnrolmentService>();
        var enrolment = enrolments.Start("owner");
        if (missing != "verified")
        {
            enrolments.VerifyTotp(enrolment, CodeFor(enrolment));
            enrolments.IssueCodes(enrolment);
            if (missing != "downloaded")
            {
                enrolments.MarkDownloaded(enrolment);
            }
        }

        var grant = missing == "token" ? null : Assert.IsType<TokenResult.Accepted>(Setup.VerifyToken(Token(), null)).Grant;
        var administrator = missing == "administrator" ? null : ready.Administrator;

        var result = await Setup.CompleteAsync(grant, administrator, enrolment, confirmed: missing != "confirmed", "192.0.2.1", TestContext.Current.CancellationToken);

        Assert.IsType<SetupResult.NotReady>(result);
        Assert.Empty(Get<IAccountStore>().All());
        Assert.False(Get<ISettingsStore>().Get().SetupCompleted);
        Assert.False(Setup.IsComplete);
    }

    [Fact]
    public async Task CompleteAsync_EnrolmentForAnotherName_Refused()
    {
        var wizard = await ReadyWizardAsync("owner");
        var other = await ReadyWizardAsync("intruder");
        var grant = Assert.IsType<TokenResult.Accepted>(Setup.VerifyToken(Token(), null)).Grant;

        var result = await Setup.CompleteAsync(grant, wizard.Administrator, other.Enrolment, confirmed: true, null, TestContext.Current.CancellationToken);

        Assert.IsType<SetupResult.NotReady>(result);
        Assert.Empty(Get<IAccountStore>().All());
    }

    [Fact]
    public async Task CompleteAsync_TwentyWizardsRacing_ExactlyOneAdministrator()
    {
        var wizards = new List<SetupWizard>();
        for (var i = 0; i < 20; i++)
        {
            wizards.Add(await ReadyWizardAsync($"admin{i}", $"192.0.2.{i}"));
        }

        using var start = new ManualResetEventSlim();
        var finishing = wizards.Select(w => Task.Run(async () =>
        {
            start.Wait();
            return await w.FinishAsync();
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(finishing);

        var winner = Assert.Single(results.OfType<SetupResult.Completed>());
        Assert.Equal(19, results.OfType<SetupResult.AlreadySetUp>().Count());
        Assert.Equal(winner.UserName, Assert.Single(Get<IAccountStore>().All()).UserName);
        Assert.Equal(19, Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "setup.completed")).Count(e => e.Outcome == "refused"));
    }

    [Fact]
    public async Task Completed_OtherWizardsOpen_ToldOnce()
    {
        var raised = 0;
        Setup.Completed += () => raised++;
        var wizard = await ReadyWizardAsync("owner");

        await wizard.FinishAsync(TestContext.Current.CancellationToken);
        await wizard.FinishAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, raised);
    }

    [Fact]
    public void PrepareAtStart_AdministratorStoredButSetupNotMarked_FinishesSetup()
    {
        // A crash between inserting the administrator and marking setup complete.
        Setup.PrepareAtStart();
        Assert.True(Get<IAccountStore>().TryInsert(Account.Create("owner", "x", DateTimeOffset.UtcNow)));

        Setup.PrepareAtStart();

        Assert.True(Get<ISettingsStore>().Get().SetupCompleted);
        Assert.False(File.Exists(Setup.TokenPath));
        Assert.Contains(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "setup.completed")), e => e.Outcome == "repaired");
    }

    [Fact]
    public async Task WholeSetup_AuditAndLog_HoldNoSecrets()
    {
        Setup.PrepareAtStart();
        Setup.VerifyToken("wrong", "192.0.2.1");
        var wizard = await ReadyWizardAsync("owner");
        Assert.True(wizard.TryLeave(SetupStep.Authenticator));
        Assert.True(wizard.TryLeave(SetupStep.BackupCodes));
        await wizard.FinishAsync(TestContext.Current.CancellationToken);

        var audit = Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "setup.", Take: 1000));
        Assert.Equal(
            ["setup.administrator", "setup.authenticator", "setup.backup-codes", "setup.completed", "setup.token"],
            audit.Select(e => e.Event).Distinct().Order().ToArray());
        var secrets = new List<string> { TestPasswords.Default, wizard.Enrolment!.SecretBase32, wizard.Administrator!.PasswordHash };
        secrets.AddRange(wizard.Enrolment.Codes);
        secrets.AddRange(wizard.Enrolment.Codes.Select(c => c.Replace("-", "", StringComparison.Ordinal)));
        var written = audit.SelectMany(e => new[] { e.Event, e.Outcome, e.Detail, e.UserName }).Concat(Log.Messages).ToList();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(written, text => text is not null && text.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task Dispose_UnfinishedWizard_ForgetsTheSecret()
    {
        var wizard = await ReadyWizardAsync("owner");
        var enrolment = wizard.Enrolment!;

        wizard.Dispose();

        Assert.Null(wizard.Enrolment);
        Assert.Null(wizard.Administrator);
        Assert.All(enrolment.Secret, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task SubmitAdministrator_NameChanged_StartsANewEnrolment()
    {
        var wizard = await ReadyWizardAsync("owner");
        var first = wizard.Enrolment;

        await wizard.SubmitAdministratorAsync("owner", TestPasswords.Default, TestPasswords.Default);
        Assert.Same(first, wizard.Enrolment);
        Assert.True(wizard.Confirmed);

        await wizard.SubmitAdministratorAsync("keeper", TestPasswords.Default, TestPasswords.Default);
        Assert.NotSame(first, wizard.Enrolment);
        Assert.Equal("keeper", wizard.Enrolment!.UserName);
        Assert.False(wizard.Enrolment.TotpVerified);
        Assert.False(wizard.Confirmed);
        Assert.False(wizard.CanFinish);
    }

    private sealed class RecordingLogger : ILogger<SetupService>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages)
            {
                Messages.Add(formatter(state, exception));
            }
        }
    }
}
