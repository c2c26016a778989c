using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NasDash.Storage;
using OtpNet;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// The security core as the app wires it (<see cref="TestCore"/>, i.e. <c>AddNasDashCore</c>), on a real
/// <see cref="LiteDbStore"/> in a temp data directory, with a fake clock, file-persisted Data Protection keys and
/// cheap hash work factors, and the core's services as properties. <see cref="Reopen"/> simulates a restart:
/// store, keys and services are opened again from disk.
/// </summary>
public sealed class CoreHarness : IDisposable
{
    public const string Host = TestCore.Host;
    /// <summary>2026-01-01T00:00:00Z, the start of a TOTP time step.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TestCore _core;
    private readonly int _passwordIterations;
    private readonly int _backupCodeIterations;
    private readonly IDictionary<string, string?>? _settings;
    private ServiceProvider _services = null!;

    /// <param name="settings">Configuration over <see cref="TestCore.Settings"/>, e.g. the WebAuthn relying party.</param>
    public CoreHarness(TwoFactorSettings? policy = null, int passwordIterations = 1_000, int backupCodeIterations = 100,
        IDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        _core = new TestCore(dataDirectory);
        _passwordIterations = passwordIterations;
        _backupCodeIterations = backupCodeIterations;
        _settings = settings;
        Open();
        if (policy is not null)
        {
            Policy = policy;
        }
    }

    public string DataDirectory => _core.DataDirectory;
    public WallStepClock Time { get; } = new(Start);
    public RecordingLockoutHandler Lockouts { get; } = new();
    /// <summary>Account ids whose sessions were ended, in order.</summary>
    public List<Guid> EndedSessions { get; } = [];
    public PasswordHashing Passwords { get; private set; } = null!;

    /// <summary>The appliance's LiteDB store; not set when the harness runs on a fleet (NasDash:Fleet:Etcd:Endpoints).</summary>
    public LiteDbStore Store { get; private set; } = null!;
    /// <summary>The records, on whichever store the core runs.</summary>
    public IAccountStore Accounts { get; private set; } = null!;
    public ISettingsStore Settings { get; private set; } = null!;
    public IAuditLog Audit { get; private set; } = null!;
    public BackupCodes BackupCodes { get; private set; } = null!;
    public TotpVerifier Totp { get; private set; } = null!;
    public SecretProtector Secrets { get; private set; } = null!;
    public PendingSignIns Pending { get; private set; } = null!;
    public AccountLocks Locks { get; private set; } = null!;
    public SecurityEvents Events { get; private set; } = null!;
    public SignInService SignIn { get; private set; } = null!;
    public EnrolmentService Enrolments { get; private set; } = null!;
    public StepUp StepUp { get; private set; } = null!;
    public DeviceCookies Devices { get; private set; } = null!;
    public EnrolmentCodes EnrolmentCodes { get; private set; } = null!;
    public AccountAdministration Administration { get; private set; } = null!;

    public TwoFactorSettings Policy
    {
        get => Settings.Get().TwoFactor;
        set
        {
            var settings = Settings.Get();
            settings.TwoFactor = value;
            Settings.Save(settings);
        }
    }

    /// <summary>Closes everything and opens it again from the data directory, as a restart would.</summary>
    /// <param name="whileClosed">Runs with the store closed, e.g. to put back what an older build wrote.</param>
    public void Reopen(Action? whileClosed = null)
    {
        _services.Dispose();
        whileClosed?.Invoke();
        Open();
    }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <summary>Stops everything (hosted services such as the fleet watch included) but keeps the data directory, as a stopped server would.</summary>
    public void Close() => _services.Dispose();

    /// <summary>An account enrolled through <see cref="EnrolmentService"/> as setup does it, with its plaintext secrets.</summary>
    public EnrolledAccount CreateEnrolledAccount(string userName, string password = TestPasswords.Default)
    {
        var (enrolment, codes) = PrepareEnrolment(userName);
        var (protectedSecret, step, stored) = Enrolments.Seal(enrolment, confirmed: true);
        var account = Account.CreateEnrolled(userName, Passwords.Hash(password), Time.GetUtcNow(), protectedSecret, step, stored);
        if (!Accounts.TryInsert(account))
        {
            throw new InvalidOperationException($"User name {userName} is taken.");
        }

        return new EnrolledAccount(account.Id, userName, password, [.. enrolment.Secret], codes);
    }

    /// <summary>
    /// Replaces the account's TOTP secret and backup codes as the app does: a recovery with its last M codes, then
    /// <see cref="EnrolmentService.CompleteAsync"/> from the session that recovery opened.
    /// </summary>
    public async Task<EnrolledAccount> ReEnrolAsync(EnrolledAccount account)
    {
        var required = Policy.RequiredCodesAtRecovery;
        var recovered = await SignIn.SubmitBackupCodesAsync(await ChallengeAsync(account), account.Codes(required, account.BackupCodes.Count - required), "192.0.2.1");
        if (recovered is not SecondFactorResult.SignedIn)
        {
            throw new InvalidOperationException($"Recovery gave {recovered}");
        }

        var (enrolment, codes) = PrepareEnrolment(account.UserName);
        var result = await Enrolments.CompleteAsync(enrolment, account.Id, Stored(account).SecurityStamp, confirmed: true, "192.0.2.1");
        return result is EnrolmentResult.Completed
            ? account with { TotpSecret = [.. enrolment.Secret], BackupCodes = codes }
            : throw new InvalidOperationException($"Enrolment gave {result}");
    }

    /// <summary>An account created on /users: a password and a one-time enrolment code, which it presents after the password.</summary>
    public (Guid Id, string EnrolmentCode) CreateAccountAwaitingEnrolment(string userName, string password = TestPasswords.Default)
    {
        var account = Account.Create(userName, Passwords.Hash(password), Time.GetUtcNow());
        var issued = EnrolmentCodes.IssueTo(account);
        if (!Accounts.InsertSetUp(account))
        {
            throw new InvalidOperationException($"User name {userName} is taken.");
        }

        return (account.Id, issued.Code);
    }

    /// <summary>An account with a password only and no enrolment code (mustEnrol) or one created before 2FA was required.</summary>
    public Guid CreateAccount(string userName, string password = TestPasswords.Default, bool mustEnrol = true)
    {
        var account = Account.Create(userName, Passwords.Hash(password), Time.GetUtcNow(), mustEnrol);
        if (!Accounts.TryInsert(account))
        {
            throw new InvalidOperationException($"User name {userName} is taken.");
        }

        return account.Id;
    }

    /// <summary>An enrolment with its code verified and its codes issued and downloaded, ready to complete.</summary>
    public (PendingEnrolment Enrolment, IReadOnlyList<string> Codes) PrepareEnrolment(string userName)
    {
        var enrolment = Enrolments.Start(userName);
        var outcome = Enrolments.VerifyTotp(enrolment, Totp.Current(enrolment.Secret));
        if (outcome != TotpOutcome.Accepted)
        {
            throw new InvalidOperationException($"Enrolment code refused: {outcome}");
        }

        var codes = Enrolments.IssueCodes(enrolment);
        _ = Enrolments.TextFile(enrolment, "http://nas-test/");
        Enrolments.MarkDownloaded(enrolment);
        return (enrolment, codes);
    }

    public Account Stored(EnrolledAccount account) => Accounts.FindById(account.Id) ?? throw new InvalidOperationException("Account gone.");

    /// <summary>Passes the password step and returns the second-factor challenge.</summary>
    public async Task<string> ChallengeAsync(EnrolledAccount account)
    {
        var result = await SignIn.SubmitPasswordAsync(account.UserName, account.Password, "192.0.2.1");
        return result is PasswordStepResult.SecondFactorRequired required
            ? required.ChallengeId
            : throw new InvalidOperationException($"Password step gave {result}");
    }

    /// <summary>Moves the clock to the next time step and returns the code the user's app shows then.</summary>
    public string NextCode(EnrolledAccount account)
    {
        Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
        return Totp.Current(account.TotpSecret);
    }

    /// <summary>The code the user's app shows <paramref name="stepOffset"/> time steps from now.</summary>
    public string CodeAt(EnrolledAccount account, int stepOffset) =>
        new Totp(account.TotpSecret, TotpVerifier.StepSeconds, OtpHashMode.Sha1, TotpVerifier.Digits)
            .ComputeTotp(Time.GetUtcNow().UtcDateTime.AddSeconds(stepOffset * TotpVerifier.StepSeconds));

    /// <summary>A six-digit code valid for no step within the policy's window around now.</summary>
    public string WrongCode(EnrolledAccount account)
    {
        // Not right for any step the verifier looks at, the clock-off range included (a right code there is not counted).
        var reach = TotpVerifier.SkewSteps + Policy.TotpWindow + 2;
        var valid = Enumerable.Range(-reach, 2 * reach + 1).Select(offset => CodeAt(account, offset)).ToHashSet(StringComparer.Ordinal);
        var current = int.Parse(CodeAt(account, 0), CultureInfo.InvariantCulture);
        for (var n = 1; ; n++)
        {
            var candidate = ((current + n) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
            if (!valid.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Well-formed backup codes that belong to nobody.</summary>
    public IReadOnlyList<string?> WrongCodes(int count) => [.. BackupCodes.Generate(count).Codes];

    public IReadOnlyList<AuditEvent> AuditOf(string userName, string eventPrefix) =>
        Audit.Query(new AuditQuery(UserName: userName, EventPrefix: eventPrefix, Take: 10_000));

    public void Dispose()
    {
        _services.Dispose();
        _core.Dispose();
    }

    private void Open()
    {
        var services = new ServiceCollection();
        _core.AddTo(services, Time, _passwordIterations, _backupCodeIterations, _settings);
        services.AddSingleton<ILockoutEventHandler>(Lockouts);
        _services = services.BuildServiceProvider();
        Store = _services.GetService<LiteDbStore>()!;
        Accounts = Get<IAccountStore>();
        Settings = Get<ISettingsStore>();
        Audit = Get<IAuditLog>();
        Passwords = Get<PasswordHashing>();
        BackupCodes = Get<BackupCodes>();
        Totp = Get<TotpVerifier>();
        Secrets = Get<SecretProtector>();
        Pending = Get<PendingSignIns>();
        Locks = Get<AccountLocks>();
        Events = Get<SecurityEvents>();
        Events.SessionsEnded += id =>
        {
            lock (EndedSessions)
            {
                EndedSessions.Add(id);
            }
        };
        SignIn = Get<SignInService>();
        Enrolments = Get<EnrolmentService>();
        StepUp = Get<StepUp>();
        Devices = Get<DeviceCookies>();
        EnrolmentCodes = Get<EnrolmentCodes>();
        Administration = Get<AccountAdministration>();
    }
}
