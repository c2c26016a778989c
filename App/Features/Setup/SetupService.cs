using FluentValidation;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Features.Setup;

/// <summary>
/// First-run setup of the appliance: the setup token, and the one moment the first administrator is created.
/// Nothing reaches the store before <see cref="CompleteAsync"/>, which inserts the account already enrolled
/// (TOTP secret and hashed backup codes) and only then marks setup complete. The appliance counts as set up
/// as soon as any account exists, so a crash between those two writes leaves a finished setup, never an
/// account without a second factor.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim allocates nothing to release unless AvailableWaitHandle is read, which this code never does; a singleton disposed at shutdown would fault a circuit still waiting.")]
public sealed class SetupService
{
    private readonly IAccountStore _accounts;
    private readonly ISettingsStore _settings;
    private readonly IAuditLog _audit;
    private readonly EnrolmentService _enrolments;
    private readonly PasswordHashing _passwords;
    private readonly NasDashOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SetupService> _logger;
    private readonly SetupTokenThrottle _throttle;
    private readonly SemaphoreSlim _completion = new(1, 1);
    private readonly object _tokenGate = new();
    private readonly NewPasswordValidator _validator = new();
    private volatile bool _complete;
    private string? _token;

    public SetupService(IAccountStore accounts, ISettingsStore settings, IAuditLog audit, EnrolmentService enrolments,
        PasswordHashing passwords, NasDashOptions options, TimeProvider time, ILogger<SetupService> logger)
    {
        _accounts = accounts;
        _settings = settings;
        _audit = audit;
        _enrolments = enrolments;
        _passwords = passwords;
        _options = options;
        _time = time;
        _logger = logger;
        _throttle = new SetupTokenThrottle(time);
    }

    /// <summary>Raised once, after the administrator was created, so other open wizards can stop.</summary>
    public event Action? Completed;

    public bool RequiresToken => _options.Setup.RequireToken;

    /// <summary>The Global Two Factor settings the new administrator's backup codes follow.</summary>
    public TwoFactorSettings Policy => _settings.Get().TwoFactor;

    public string TokenPath => Path.Combine(_options.DataDirectory, SetupToken.FileName);

    /// <summary>True once an administrator exists; from then on it never turns false in this process.</summary>
    public bool IsComplete
    {
        get
        {
            if (_complete)
            {
                return true;
            }

            if (_settings.Get().SetupCompleted || _accounts.All().Count > 0)
            {
                _complete = true;
            }

            return _complete;
        }
    }

    /// <summary>
    /// At start: finishes a setup interrupted between its two writes, removes a stale token, or issues the
    /// token (kept across restarts until setup completes) and logs it for the owner.
    /// </summary>
    public void PrepareAtStart()
    {
        var current = _settings.Get();
        if (!current.SetupCompleted && _accounts.All().Count > 0)
        {
            _settings.Update(s =>
            {
                s.SetupCompleted = true;
                s.SetupCompletedAt ??= _time.GetUtcNow();
            });
            Audit(null, null, AuditNames.SetupCompleted.Id, "repaired", "an administrator existed; setup marked complete at start");
        }

        if (IsComplete)
        {
            DeleteTokenFile();
            return;
        }

        if (!RequiresToken)
        {
            _logger.LogWarning("NasDash is not set up yet and NasDash:Setup:RequireToken is off: anyone who can reach /setup can create the administrator.");
            return;
        }

        EnsureToken();
    }

    /// <summary>
    /// Tells the owner, last thing at start, how to claim the appliance. The token itself goes only to an interactive
    /// terminal (and the 0600 file), never to the log: a journal or container log is readable by more people than
    /// the data directory.
    /// </summary>
    /// <param name="terminal">Where the banner with the token goes; by default standard output when it is a terminal.</param>
    public void LogPendingSetup(TextWriter? terminal = null)
    {
        if (IsComplete || !RequiresToken)
        {
            return;
        }

        var token = SetupToken.Format(EnsureToken());
        _logger.LogWarning("NasDash is not set up yet. Open /setup in a browser and enter the setup token from {SetupTokenFile}.", TokenPath);
        terminal ??= System.Console.IsOutputRedirected ? null : System.Console.Out;
        terminal?.WriteLine($"{Environment.NewLine}  Setup token: {token}{Environment.NewLine}  (also in {TokenPath}; open /setup to use it){Environment.NewLine}");
    }

    public TokenResult VerifyToken(string? input, string? client)
    {
        if (IsComplete)
        {
            return new TokenResult.AlreadySetUp();
        }

        if (!RequiresToken)
        {
            return new TokenResult.Accepted(new SetupGrant());
        }

        if (_throttle.BlockedUntil(client) is { } blocked)
        {
            return new TokenResult.Throttled(blocked);
        }

        if (SetupToken.Matches(EnsureToken(), input))
        {
            _throttle.Succeeded(client);
            Audit(null, client, AuditNames.SetupToken.Id, "succeeded");
            return new TokenResult.Accepted(new SetupGrant());
        }

        var retryAfter = _throttle.Failed(client);
        Audit(null, client, AuditNames.SetupToken.Id, "failed");
        return new TokenResult.Wrong(retryAfter);
    }

    /// <summary>Validates the administrator's name and password (never trusting the form) and hashes the password.</summary>
    public async Task<AdministratorResult> PrepareAdministratorAsync(NewPassword input)
    {
        var validation = await _validator.ValidateAsync(input);
        if (!validation.IsValid)
        {
            return new AdministratorResult.Invalid(validation.ToDictionary().AsReadOnly());
        }

        var userName = input.UserName.Trim();
        // PBKDF2 at OWASP's count takes a noticeable moment: keep it off the circuit's thread.
        var hash = await Task.Run(() => _passwords.Hash(input.Password));
        return new AdministratorResult.Accepted(new AdministratorDraft(userName, hash));
    }

    /// <summary>
    /// Creates the administrator, enrolled, and completes setup: at most once, whatever the number of wizards
    /// racing. Refused unless the token was accepted, the enrolment is for this user, its code verified, its
    /// codes downloaded in this session and their storage confirmed.
    /// </summary>
    public async Task<SetupResult> CompleteAsync(SetupGrant? grant, AdministratorDraft? administrator, NasDash.Security.Enrolment.PendingEnrolment? enrolment,
        bool confirmed, string? client, CancellationToken cancellationToken = default)
    {
        Account account;
        await _completion.WaitAsync(cancellationToken);
        try
        {
            if (IsComplete)
            {
                Audit(administrator?.UserName, client, AuditNames.SetupCompleted.Id, "refused", "already set up");
                return new SetupResult.AlreadySetUp();
            }

            var missing = Missing(grant, administrator, enrolment, confirmed);
            if (missing is not null)
            {
                return new SetupResult.NotReady(missing);
            }

            var (protectedSecret, step, codes) = _enrolments.Seal(enrolment!, confirmed);
            var now = _time.GetUtcNow();
            account = Account.CreateEnrolled(administrator!.UserName, administrator.PasswordHash, now, protectedSecret, step, codes);
            // The appliance's first administrator: no notification target exists yet, and nobody else to tell.
            account.TakeFacts();
            if (!_accounts.TryInsert(account))
            {
                return new SetupResult.AlreadySetUp();
            }

            _complete = true;
            _settings.Update(s =>
            {
                s.SetupCompleted = true;
                s.SetupCompletedAt = now;
            });
            enrolment!.Completed = true;
            Audit(account.UserName, client, AuditNames.SetupCompleted.Id, "succeeded", $"administrator created with an authenticator app and {codes.Total} backup codes");
            DeleteTokenFile();
        }
        finally
        {
            _completion.Release();
        }

        _logger.LogInformation("Setup completed: administrator {UserName} created with two-factor sign-in.", account.UserName);
        Completed?.Invoke();
        return new SetupResult.Completed(account.Id, account.UserName);
    }

    /// <summary>Appends a wizard step to the audit log (names and outcomes only, never secrets).</summary>
    public void RecordStep(string? userName, string? client, AuditName step, string outcome, string? detail = null) =>
        Audit(userName, client, step.Id, outcome, detail);

    private static string? Missing(SetupGrant? grant, AdministratorDraft? administrator, NasDash.Security.Enrolment.PendingEnrolment? enrolment, bool confirmed) =>
        grant is null ? "Enter the setup token first."
        : administrator is null ? "Choose the administrator's user name and password first."
        : enrolment is null || Account.Normalize(enrolment.UserName) != Account.Normalize(administrator.UserName)
            ? "Set up the authenticator app for this administrator first."
        : !enrolment.TotpVerified ? "Verify a code from your authenticator app first."
        : enrolment.Batch is null ? "Show the backup codes first."
        : !enrolment.Downloaded ? "Download the backup codes (.txt or .json) before finishing."
        : !confirmed ? "Confirm that you stored the backup codes somewhere safe."
        : enrolment.Completed ? "This setup was already used."
        : null;

    private string EnsureToken()
    {
        lock (_tokenGate)
        {
            if (_token is not null)
            {
                return _token;
            }

            // A restart keeps the token the owner may already have copied.
            var existing = File.Exists(TokenPath) ? SetupToken.Normalize(File.ReadAllText(TokenPath)) : null;
            _token = existing ?? SetupToken.Normalize(SetupToken.New())!;
            DataDirectory.WritePrivateFile(TokenPath, SetupToken.Format(_token) + "\n");
            return _token;
        }
    }

    private void DeleteTokenFile()
    {
        lock (_tokenGate)
        {
            _token = null;
            try
            {
                File.Delete(TokenPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Could not delete {SetupTokenFile}; it no longer grants anything.", TokenPath);
            }
        }
    }

    private void Audit(string? userName, string? client, string name, string outcome, string? detail = null) =>
        _audit.Append(new AuditEvent
        {
            At = _time.GetUtcNow(),
            UserName = userName,
            ClientAddress = client,
            Event = name,
            Outcome = outcome,
            Detail = detail,
        });
}
