using System.Security.Claims;

namespace NasDash.Features.MyAccount;

/// <summary>What "My account" shows about the signed-in administrator.</summary>
public sealed record MyAccountView(
    string UserName,
    bool Enrolled,
    int CodesInSet,
    DateTimeOffset? CodesGeneratedAt,
    int RequiredAtRecovery,
    DateTimeOffset? LastSignInAt,
    bool MustChangePassword);

public abstract record PasswordChangeResult
{
    private PasswordChangeResult()
    {
    }

    /// <summary>Changed; the stamp rotated, so the ticket signs this browser in again.</summary>
    public sealed record Changed(string SignInTicket) : PasswordChangeResult;
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : PasswordChangeResult;
    public sealed record WrongPassword : PasswordChangeResult;
    public sealed record Throttled(DateTimeOffset Until) : PasswordChangeResult;
    public sealed record Unavailable : PasswordChangeResult;
}

/// <summary>
/// The signed-in administrator's own credentials. Renewing the authenticator or the backup codes starts only
/// after a step-up with the current authenticator; a password change needs the current password, and wrong
/// ones count on a small budget of that session's own (<see cref="PasswordChangeBudgets"/>), never on the sign-in
/// buckets that strangers can keep paused.
/// </summary>
public sealed class MyAccountService(
    IAccountStore accounts,
    ISettingsStore settings,
    AccountLocks locks,
    PasswordHashing passwords,
    EnrolmentService enrolments,
    StepUp stepUp,
    PendingSignIns pending,
    SecurityEvents events,
    SecurityLedger ledger,
    PasswordChangeBudgets budgets,
    TimeProvider time)
{

    private static readonly NewPasswordValidator PasswordValidator = new();

    public MyAccountView? View(Guid accountId)
    {
        var account = accounts.FindById(accountId);
        return account is null ? null : new MyAccountView(
            account.UserName, account.IsEnrolled, account.BackupCodesInSet,
            account.BackupCodes?.GeneratedAt, settings.Get().TwoFactor.RequiredCodesAtRecovery, account.LastSignInAt,
            account.MustChangePassword);
    }

    /// <summary>Null unless a step-up for <see cref="StepUpPurpose.RenewAuthenticator"/> was just accepted.</summary>
    public NasDash.Security.Enrolment.PendingEnrolment? StartAuthenticatorRenewal(Guid accountId) =>
        Start(accountId, StepUpPurpose.RenewAuthenticator, enrolments.StartAuthenticatorRenewal);

    /// <summary>Null unless a step-up for <see cref="StepUpPurpose.RenewBackupCodes"/> was just accepted.</summary>
    public NasDash.Security.Enrolment.PendingEnrolment? StartBackupCodesRenewal(Guid accountId) =>
        Start(accountId, StepUpPurpose.RenewBackupCodes, enrolments.StartBackupCodesRenewal);

    public Task<EnrolmentResult> CompleteRenewalAsync(NasDash.Security.Enrolment.PendingEnrolment enrolment, Guid accountId, bool confirmed, string? client, CancellationToken cancellationToken = default) =>
        enrolments.CompleteRenewalAsync(enrolment, accountId, confirmed, client, cancellationToken);

    /// <param name="session">The session making the change: its own budget of wrong current passwords.</param>
    public async Task<PasswordChangeResult> ChangePasswordAsync(Guid accountId, string? session, string? current, string? replacement, string? confirmation, string? client, CancellationToken cancellationToken = default)
    {
        var budget = session ?? accountId.ToString("N");
        var known = accounts.FindById(accountId);
        if (known is null)
        {
            return new PasswordChangeResult.Unavailable();
        }

        var errors = PasswordValidator.Validate(new NewPassword(known.UserName, replacement ?? "", confirmation ?? "")).ToDictionary().AsReadOnly();
        if (errors.Count > 0)
        {
            return new PasswordChangeResult.Invalid(errors);
        }

        if (string.IsNullOrEmpty(current) || current.Length > SignInService.MaxPasswordLength)
        {
            return new PasswordChangeResult.WrongPassword();
        }

        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        var account = locked?.Account;
        var now = time.GetUtcNow();
        if (account is null || !account.MayChangePassword)
        {
            return new PasswordChangeResult.Unavailable();
        }

        if (budgets.PausedUntil(budget) is { } paused)
        {
            return new PasswordChangeResult.Throttled(paused);
        }

        var entry = new AuditEvent { At = now, UserName = account.UserName, ClientAddress = client, Event = AuditNames.AccountPasswordChanged.Id };
        if (passwords.Verify(account, current) == PasswordCheck.Failed)
        {
            var until = budgets.Failed(budget);
            entry.Outcome = "failed";
            entry.Detail = "wrong current password (this session's own budget)";
            ledger.Commit(account, entry);
            return until is { } u ? new PasswordChangeResult.Throttled(u) : new PasswordChangeResult.WrongPassword();
        }

        budgets.Succeeded(budget);

        if (passwords.Verify(account, replacement!) != PasswordCheck.Failed)
        {
            return new PasswordChangeResult.Invalid(new Dictionary<string, string[]>
            {
                [nameof(NewPassword.Password)] = ["Choose a password different from the current one."],
            });
        }

        account.PasswordChanged(passwords.Hash(replacement!));
        entry.Outcome = "succeeded";
        ledger.Commit(account, entry);
        events.EndSessions(account.Id);
        return new PasswordChangeResult.Changed(pending.IssueTicket(account, enrolment: false));
    }

    private NasDash.Security.Enrolment.PendingEnrolment? Start(Guid accountId, StepUpPurpose purpose, Func<string, NasDash.Security.Enrolment.PendingEnrolment> start)
    {
        var account = accounts.FindById(accountId);
        return account is { MayRenewSecondFactor: true } && stepUp.TryConsumeGrant(accountId, purpose)
            ? start(account.UserName)
            : null;
    }
}
