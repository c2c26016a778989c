using System.Collections.Concurrent;

namespace NasDash.Security.SignIn;

/// <summary>
/// Decides every sign-in: password, then TOTP or M backup codes. Each decision about an account is made
/// under that account's lock and committed to the store before the verdict is returned.
/// </summary>
public sealed class SignInService(
    IAccountStore accounts,
    ISettingsStore settings,
    IAuditLog audit,
    AccountLocks locks,
    PasswordHashing passwords,
    TotpSecondFactor totp,
    PendingSignIns pending,
    SecurityEvents events,
    SecurityLedger ledger,
    DeviceCookies devices,
    AddressThrottle addresses,
    RefusedSignIns refused,
    BackupCodes codes,
    IAlertStore alerts,
    TimeProvider time)
{
    /// <summary>Longest password considered; longer input is refused before hashing.</summary>
    public const int MaxPasswordLength = 1024;
    public const int MaxUserNameLength = 64;

    // Failures for user names that do not exist, so their throttling looks like a real account's.
    private readonly ConcurrentDictionary<string, PasswordBudget> _unknownNames = new(StringComparer.Ordinal);

    /// <summary>"about 1 h 5 min ahead of" / "about 40 s behind": how far a right code's time is from the clock.</summary>
    public static string ClockOffText(TimeSpan offset)
    {
        var size = offset.Duration();
        var about = size >= TimeSpan.FromHours(1) ? $"{(int)size.TotalHours} h {size.Minutes} min"
            : size >= TimeSpan.FromMinutes(1) ? $"{(int)size.TotalMinutes} min"
            : $"{(int)size.TotalSeconds} s";
        return $"about {about} {(offset > TimeSpan.Zero ? "ahead of" : "behind")}";
    }

    /// <summary>What the person is told of a right code refused because the clock is off; each page adds what else to do.</summary>
    public static string ClockOffMessage(TimeSpan offset) =>
        $"That code is right, but for a time {ClockOffText(offset)} this appliance's clock, so its clock (or your phone's) is off. " +
        "Nothing was counted. Check the appliance's time (NTP) and your phone's";

    /// <summary>The uniform answer of the enrolment-code sign-in to anyone who does not hold a valid code (and to a wrong password for one who does not).</summary>
    public const string EnrolmentSignInRefusedMessage = "The user name, enrolment code or password is not correct.";

    public Task<PasswordStepResult> SubmitPasswordAsync(string? userName, string? password, string? client, CancellationToken cancellationToken = default) =>
        SubmitPasswordAsync(userName, password, client, DeviceCookieJar.Empty, cancellationToken);

    /// <summary>
    /// The password step. A browser with a valid device cookie for the account (read by its exact name) draws on its own
    /// budget and never meets the per-address throttle; every other attempt, known user name or not, takes the address's
    /// turn and is refused unevaluated while that address is paused. Only evaluated wrong passwords drain the address.
    /// </summary>
    /// <param name="deviceCookies">The device cookies the browser sent.</param>
    public async Task<PasswordStepResult> SubmitPasswordAsync(string? userName, string? password, string? client, DeviceCookieJar deviceCookies, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password) ||
            userName.Length > MaxUserNameLength || password.Length > MaxPasswordLength)
        {
            return new PasswordStepResult.InvalidCredentials();
        }

        var normalized = Account.Normalize(userName);
        // A first look outside the account's lock: a trusted browser must not queue behind an address's turn.
        var peek = accounts.FindByName(normalized);
        var trustedAtFirst = peek is not null && devices.Recognise(peek, deviceCookies.For(peek.Id)) is not null;
        using var turn = trustedAtFirst ? null : await addresses.BeginAsync(client, cancellationToken);
        if (turn?.PausedUntil is { } addressPaused)
        {
            if (peek is not null)
            {
                RecordRefusal(peek, client, "address paused");
            }

            return new PasswordStepResult.Throttled(addressPaused);
        }

        using var _ = await locks.AcquireAsync(normalized, cancellationToken);
        var now = time.GetUtcNow();
        var account = accounts.FindByName(normalized);
        if (account is null)
        {
            return UnknownUser(normalized, password, client, now, turn);
        }

        var device = devices.Recognise(account, deviceCookies.For(account.Id));
        var trust = device is null ? "untrusted browser" : "trusted device";
        if (account.ThrottledUntil(device, now) is { } paused)
        {
            RecordRefusal(account, client, trust);
            return new PasswordStepResult.Throttled(paused);
        }

        var check = passwords.Verify(account, password);
        if (check == PasswordCheck.Failed)
        {
            account.PasswordFailed(now, device);
            var failures = account.PasswordBudgetOf(device).Failures;
            if (device is null)
            {
                // Before the commit: a guess the disk refuses to record still counts against its address.
                turn?.Failed();
            }

            ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginPassword.Id, "failed", $"{trust}; failures={failures}"));

            return account.ThrottledUntil(device, now) is { } until
                ? new PasswordStepResult.Throttled(until)
                : new PasswordStepResult.InvalidCredentials();
        }

        account.PasswordSucceeded(check == PasswordCheck.SucceededRehashNeeded ? passwords.Hash(password) : null, device);
        var current = settings.Get();
        var policy = current.TwoFactor;
        switch (account.MaySignIn(policy, current.ApplianceLockedBy is not null, now, device))
        {
            case SignInGate.SuperLocked:
                ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginPassword.Id, "superlocked"));
                return new PasswordStepResult.SuperLocked(LockedUserName(account, current), !account.IsSuperLocked);
            case SignInGate.EnrolmentCode:
                ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginPassword.Id, "enrolment-code-required"));
                return new PasswordStepResult.EnrolmentCodeRequired(pending.IssueChallenge(account));
            case SignInGate.MustEnrol:
                ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginPassword.Id, "enrolment-required"));
                return new PasswordStepResult.EnrolmentRequired(account.Id, pending.IssueTicket(account, enrolment: true));
            case SignInGate.PasswordOnly:
                account.SignedInWithPasswordOnly(policy, now);
                ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginPassword.Id, "signed-in", "no second factor enrolled"));
                return new PasswordStepResult.SignedIn(account.Id, pending.IssueTicket(account, enrolment: false));
            default:
                ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginPassword.Id, "succeeded"));
                var inRecovery = account.InRecovery;
                return new PasswordStepResult.SecondFactorRequired(
                    pending.IssueChallenge(account),
                    inRecovery ? SecondFactorMethod.BackupCodes : SecondFactorMethod.Totp,
                    policy.RequiredCodesAtRecovery,
                    inRecovery);
        }
    }

    /// <summary>
    /// "I have an enrolment code": the way back in that no pause can close. The code (80 bits, known only to whoever
    /// was handed it) is checked first, under the account's lock; only a valid, unexpired code lets the password be
    /// judged, on a budget of that code's own (never the untrusted bucket, never the per-address throttle). Both right:
    /// the code is used up and the person goes straight to enrolment.
    /// A wrong code moves no counter of the account (a stranger cannot super-lock or pause anyone with it) and gets
    /// the same answer, after the same work, whatever the user name; no password is evaluated for it.
    /// </summary>
    public async Task<PasswordStepResult> SignInWithEnrolmentCodeAsync(string? userName, string? code, string? password, string? client, CancellationToken cancellationToken = default)
    {
        var normalizedCode = BackupCodes.Normalize(code);
        if (string.IsNullOrWhiteSpace(userName) || userName.Length > MaxUserNameLength ||
            string.IsNullOrEmpty(password) || password.Length > MaxPasswordLength || normalizedCode is null)
        {
            return new PasswordStepResult.Refused(EnrolmentSignInRefusedMessage);
        }

        var normalized = Account.Normalize(userName);
        using var _ = await locks.AcquireAsync(normalized, cancellationToken);
        var now = time.GetUtcNow();
        var account = accounts.FindByName(normalized);
        if (account is not { EnrolmentCode.IsIssued: true })
        {
            codes.MatchDecoy(normalizedCode);
            WrongEnrolmentCode(account, client);
            return new PasswordStepResult.Refused(EnrolmentSignInRefusedMessage);
        }

        if (!account.EnrolmentCode.Matches(normalizedCode))
        {
            WrongEnrolmentCode(account, client);
            return new PasswordStepResult.Refused(EnrolmentSignInRefusedMessage);
        }

        // From here on the person holds the code: telling them why it cannot be used reveals nothing to anyone else.
        var current = settings.Get();
        if (account.AfterPassword(current.TwoFactor, current.ApplianceLockedBy is not null) == SignInGate.SuperLocked)
        {
            Audit(account.UserName, client, AuditNames.LoginEnrolmentCode.Id, "superlocked", "code presented at the sign-in page");
            return new PasswordStepResult.SuperLocked(LockedUserName(account, current), !account.IsSuperLocked);
        }

        if (!account.AcceptsEnrolmentCode(now))
        {
            Audit(account.UserName, client, AuditNames.LoginEnrolmentCode.Id, "expired", "code presented at the sign-in page");
            return new PasswordStepResult.Refused(
                $"This enrolment code has expired. For a new one, run \"{EnrolmentCodes.ConsoleCommand(account.UserName)}\" on the appliance, or ask another administrator to reset your two-factor sign-in on the Administrators page.");
        }

        if (account.EnrolmentCode.ThrottledUntil(now) is { } paused)
        {
            return new PasswordStepResult.Throttled(paused);
        }

        if (passwords.Verify(account, password) == PasswordCheck.Failed)
        {
            account.EnrolmentCodePasswordFailed(now);
            ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginEnrolmentCode.Id, "failed",
                $"valid code, wrong password; failures={account.EnrolmentCode.PasswordFailures}"));
            return account.EnrolmentCode.ThrottledUntil(now) is { } until
                ? new PasswordStepResult.Throttled(until)
                : new PasswordStepResult.Refused(EnrolmentSignInRefusedMessage);
        }

        account.EnrolmentCodeAccepted(now);
        ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginEnrolmentCode.Id, "succeeded", "code and password at the sign-in page; enrolment may begin"));
        events.EndSessions(account.Id);
        return new PasswordStepResult.EnrolmentRequired(account.Id, pending.IssueTicket(account, enrolment: true));
    }

    public Task<SecondFactorResult> SubmitTotpAsync(string challengeId, string? code, string? client, CancellationToken cancellationToken = default) =>
        locks.DecideAsync(() => DecideTotpAsync(challengeId, code, client, cancellationToken));

    private async Task<SecondFactorResult> DecideTotpAsync(string challengeId, string? code, string? client, CancellationToken cancellationToken)
    {
        var admission = await AdmitAsync(challengeId, cancellationToken);
        using var locked = admission.Locked;
        if (locked is null)
        {
            return admission.Refusal!;
        }

        var account = locked.Account;
        var policy = admission.Settings!.TwoFactor;

        if (account.InRecovery)
        {
            return new SecondFactorResult.RecoveryRequired(policy.RequiredCodesAtRecovery);
        }

        switch (totp.Decide(account, code, policy, client))
        {
            case TotpDecision.NotAccepted:
                return new SecondFactorResult.ChallengeExpired();
            case TotpDecision.SecretUnreadable:
                Audit(account.UserName, client, AuditNames.LoginTotp.Id, "secret-unreadable", "the Data Protection keys cannot decrypt the TOTP secret");
                return new SecondFactorResult.Malformed("This appliance cannot read your authenticator secret (its encryption keys are missing). Use your backup codes, or reset your second factor at the appliance console.");
            case TotpDecision.Malformed:
                return new SecondFactorResult.Malformed("Enter the 6-digit code from your authenticator app.");
            case TotpDecision.ClockOff clockOff:
                ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginTotp.Id, "clock-off",
                    $"a right code for a time {ClockOffText(clockOff.Offset)} the appliance's clock; not counted"));
                alerts.Raise(AlertKeys.ClockOff, AlertSeverity.Warning,
                    $"A right authenticator code for {account.UserName} was for a time {ClockOffText(clockOff.Offset)} this appliance's clock. Check the appliance's time (NTP); until it is right, such codes are refused without counting.",
                    "/audit");
                return new SecondFactorResult.ClockOff(clockOff.Offset);
            case TotpDecision.Accepted:
                ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginTotp.Id, "succeeded"));
                pending.EndChallenge(challengeId);
                return new SecondFactorResult.SignedIn(account.Id, pending.IssueTicket(account, enrolment: false), MustEnrol: false);
            case TotpDecision.Wrong wrong:
                ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginTotp.Id, wrong.Replayed ? "replayed" : "failed", $"failures={account.TotpFailures}"));
                if (wrong.Lockout is not null)
                {
                    return new SecondFactorResult.MovedToRecovery(policy.RequiredCodesAtRecovery);
                }

                return new SecondFactorResult.InvalidTotp(wrong.FailuresLeft, wrong.Replayed);
            default:
                throw new InvalidOperationException("Unknown TOTP decision.");
        }
    }

    public Task<SecondFactorResult> SubmitBackupCodesAsync(string challengeId, IReadOnlyList<string?> codes, string? client, CancellationToken cancellationToken = default) =>
        locks.DecideAsync(() => DecideBackupCodesAsync(challengeId, codes, client, cancellationToken));

    private async Task<SecondFactorResult> DecideBackupCodesAsync(string challengeId, IReadOnlyList<string?> codes, string? client, CancellationToken cancellationToken)
    {
        var admission = await AdmitAsync(challengeId, cancellationToken);
        using var locked = admission.Locked;
        if (locked is null)
        {
            return admission.Refusal!;
        }

        var account = locked.Account;
        var now = time.GetUtcNow();
        var policy = admission.Settings!.TwoFactor;

        if (!account.AcceptsBackupCodes)
        {
            return new SecondFactorResult.ChallengeExpired();
        }

        var malformed = CheckShape(codes, policy.RequiredCodesAtRecovery, out var normalized);
        if (malformed is not null)
        {
            return new SecondFactorResult.Malformed(malformed);
        }

        account.BackupSubmissionStarted(now, client);

        var matched = BackupCodes.Match(account.SecondFactor.BackupCodes!, normalized);
        if (matched is not null)
        {
            account.RecoverySucceeded(now);
            // One commit: the account, its audit entry, the notices, the reactions' records and any appliance-wide lock;
            // only a committed recovery ends the challenge and issues the ticket.
            ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginBackupCodes.Id, "succeeded", "old codes and TOTP secret revoked; enrolment required"));
            pending.EndChallenge(challengeId);
            events.EndSessions(account.Id);
            return new SecondFactorResult.SignedIn(account.Id, pending.IssueTicket(account, enrolment: true), MustEnrol: true);
        }

        account.BackupSubmissionFailed(policy, now, client);
        ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginBackupCodes.Id, account.IsSuperLocked ? "superlocked" : "failed", $"failures={account.BackupFailures}"));
        return account.IsSuperLocked
            ? new SecondFactorResult.SuperLocked(account.UserName, false)
            : new SecondFactorResult.InvalidBackupCodes(account.SubmissionsLeftBeforeSuperLockout(policy), policy.SshTwoFactor);
    }

    /// <summary>
    /// The one-time enrolment code of an account that must enrol, after its password. Judged under the account's
    /// lock; a right code is used up and rotates the stamp (a second browser with the same code is refused), a
    /// wrong one counts toward the N failed submissions that super-lock. Nothing is made before it is accepted.
    /// </summary>
    public async Task<SecondFactorResult> SubmitEnrolmentCodeAsync(string challengeId, string? code, string? client, CancellationToken cancellationToken = default)
    {
        var admission = await AdmitAsync(challengeId, cancellationToken);
        using var locked = admission.Locked;
        if (locked is null)
        {
            return admission.Refusal!;
        }

        var account = locked.Account;
        var now = time.GetUtcNow();
        var policy = admission.Settings!.TwoFactor;
        if (account.AfterPassword(policy, applianceLocked: false) != SignInGate.EnrolmentCode)
        {
            return new SecondFactorResult.ChallengeExpired();
        }

        if (!account.AcceptsEnrolmentCode(now))
        {
            var expired = account.EnrolmentCode.IsIssued;
            Audit(account.UserName, client, AuditNames.LoginEnrolmentCode.Id, expired ? "expired" : "none-issued");
            return new SecondFactorResult.EnrolmentCodeUnavailable(expired, EnrolmentCodes.ConsoleCommand(account.UserName));
        }

        if (BackupCodes.Normalize(code) is not { } normalized)
        {
            return new SecondFactorResult.Malformed("The enrolment code has 16 letters and digits, like ABCD-EFGH-JKMN-PQRS.");
        }

        if (account.EnrolmentCode.Matches(normalized))
        {
            account.EnrolmentCodeAccepted(now);
            ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginEnrolmentCode.Id, "succeeded", "code used; enrolment may begin"));
            pending.EndChallenge(challengeId);
            events.EndSessions(account.Id);
            return new SecondFactorResult.SignedIn(account.Id, pending.IssueTicket(account, enrolment: true), MustEnrol: true);
        }

        var superLocked = account.EnrolmentCodeFailed(policy, now, client);
        ledger.Commit(account, AuditOf(account.UserName, client, AuditNames.LoginEnrolmentCode.Id, superLocked is null ? "failed" : "superlocked", $"failures={account.BackupFailures}"));
        if (superLocked is not null)
        {
            return new SecondFactorResult.SuperLocked(account.UserName, false);
        }

        return new SecondFactorResult.InvalidEnrolmentCode(account.SubmissionsLeftBeforeSuperLockout(policy));
    }

    /// <summary>The account the console must unlock: this one, or the one whose super-lockout locked the whole appliance.</summary>
    private static string LockedUserName(Account account, ApplianceSettings current) =>
        account.IsSuperLocked ? account.UserName : current.ApplianceLockedBy ?? account.UserName;

    /// <summary>What a second-factor submission may evaluate: its account, locked, with the settings read under that lock.</summary>
    internal readonly record struct Admission(AccountUnderLock? Locked, ApplianceSettings? Settings, SecondFactorResult? Refusal);

    /// <summary>Takes the challenge's account lock and admits the submission, or releases the lock and says why not.</summary>
    internal async Task<Admission> AdmitAsync(string challengeId, CancellationToken cancellationToken)
    {
        var challenge = pending.FindChallenge(challengeId);
        var locked = challenge is null ? null : await locks.LockAsync(accounts, challenge.AccountId, challenge.NormalizedUserName, cancellationToken);
        if (challenge is null || locked is null)
        {
            return new Admission(null, null, new SecondFactorResult.ChallengeExpired());
        }

        var current = settings.Get();
        if (Admit(challengeId, challenge, locked.Account, current) is { } refusal)
        {
            locked.Dispose();
            return new Admission(null, current, refusal);
        }

        return new Admission(locked, current, null);
    }

    /// <summary>
    /// Inside the account's lock: refuses what must not be evaluated. The super-lockout is
    /// checked before the stamp (which it rotated), so a submission in flight learns why it is refused.
    /// </summary>
    private SecondFactorResult? Admit(string challengeId, PendingSignIns.Pending challenge, Account account, ApplianceSettings current)
    {
        if (pending.FindChallenge(challengeId) is null)
        {
            return new SecondFactorResult.ChallengeExpired();
        }

        if (account.IsSuperLocked || current.ApplianceLockedBy is not null)
        {
            return new SecondFactorResult.SuperLocked(LockedUserName(account, current), !account.IsSuperLocked);
        }

        return account.SecurityStamp != challenge.SecurityStamp ? new SecondFactorResult.ChallengeExpired() : null;
    }

    private static string? CheckShape(IReadOnlyList<string?> codes, int required, out List<string> normalized)
    {
        normalized = [];
        if (codes.Count != required)
        {
            return $"Enter exactly {required} backup codes.";
        }

        foreach (var code in codes)
        {
            var n = BackupCodes.Normalize(code);
            if (n is null)
            {
                return "Each backup code has 16 letters and digits, like ABCD-EFGH-JKMN-PQRS.";
            }

            normalized.Add(n);
        }

        return normalized.Distinct(StringComparer.Ordinal).Count() == normalized.Count
            ? null
            : "Enter different codes: the same code cannot count twice.";
    }

    private PasswordStepResult UnknownUser(string normalized, string password, string? client, DateTimeOffset now, AddressThrottle.AddressTurn? turn)
    {
        var entry = _unknownNames.GetValueOrDefault(normalized);
        if (entry.PausedAt(now) is { } until)
        {
            return new PasswordStepResult.Throttled(until);
        }

        passwords.Verify(account: null, password);
        if (_unknownNames.Count > 10_000)
        {
            _unknownNames.Clear();
        }

        var budget = _unknownNames[normalized] = entry.Failed(now);
        // Summarised like refused attempts: at most one entry per name and address per interval, so guessing cannot grow the log.
        if (refused.RecordUnknownName(normalized, client) is { } summary)
        {
            Audit(null, client, AuditNames.LoginPassword.Id, "failed", summary.Count <= 1 ? "unknown user name"
                : $"unknown user name; {summary.Count} wrong passwords for it from this address since {summary.Since:yyyy-MM-dd HH:mm:ss} UTC");
        }

        turn?.Failed();
        return budget.PausedUntil is { } t ? new PasswordStepResult.Throttled(t) : new PasswordStepResult.InvalidCredentials();
    }

    /// <summary>A refused, unevaluated attempt: counted in memory; audited as one summary per account per hour at most.</summary>
    private void RecordRefusal(Account account, string? client, string why)
    {
        if (refused.Record(account.Id) is { } summary)
        {
            Audit(account.UserName, client, AuditNames.LoginRefused.Id, "refused",
                $"{summary.Count} sign-in attempt(s) refused since {summary.Since:yyyy-MM-dd HH:mm:ss} UTC; latest: {why}");
        }
    }

    /// <summary>A wrong enrolment code at the sign-in page: no account counter moves; it shows as a refused attempt.</summary>
    private void WrongEnrolmentCode(Account? account, string? client)
    {
        if (account is not null)
        {
            RecordRefusal(account, client, "wrong enrolment code");
        }
    }

    private AuditEvent AuditOf(string? user, string? client, string name, string outcome, string? detail = null) => new()
    {
        At = time.GetUtcNow(),
        UserName = user,
        ClientAddress = client,
        Event = name,
        Outcome = outcome,
        Detail = detail,
    };

    private void Audit(string? user, string? client, string name, string outcome, string? detail = null) =>
        audit.Append(AuditOf(user, client, name, outcome, detail));
}
