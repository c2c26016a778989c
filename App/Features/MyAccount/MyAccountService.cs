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
    CurrentActor me,
    TimeProvider time)
{

    private static readonly NewPasswordValidator PasswordValidator = new();

    public async Task<MyAccountView?> ViewAsync()
    {
        var account = await me.GetAsync() is { } actor ? accounts.FindById(actor.AccountId) : null;
        return account is null ? null : new MyAccountView(
            account.UserName, account.SecondFactor.IsEnrolled, account.SecondFactor.BackupCodesInSet,
            account.SecondFactor.BackupCodes?.GeneratedAt, settings.Get().TwoFactor.RequiredCodesAtRecovery, account.LastSignInAt,
            account.MustChangePassword);
    }

    /// <summary>Null unless a step-up for <see cref="StepUpPurpose.RenewAuthenticator"/> was just accepted.</summary>
    public Task<PendingEnrolment?> StartAuthenticatorRenewalAsync() =>
        StartAsync(StepUpPurpose.RenewAuthenticator, enrolments.StartAuthenticatorRenewal);

    /// <summary>Null unless a step-up for <see cref="StepUpPurpose.RenewBackupCodes"/> was just accepted.</summary>
    public Task<PendingEnrolment?> StartBackupCodesRenewalAsync() =>
        StartAsync(StepUpPurpose.RenewBackupCodes, enrolments.StartBackupCodesRenewal);

    public async Task<EnrolmentResult> CompleteRenewalAsync(PendingEnrolment enrolment, bool confirmed, CancellationToken cancellationToken = default) =>
        await me.GetAsync() is { } actor
            ? await enrolments.CompleteRenewalAsync(enrolment, actor.AccountId, confirmed, actor.ClientAddress, cancellationToken)
            : new EnrolmentResult.SessionChanged();

    /// <summary>Wrong current passwords count on a budget of the signed-in session's own.</summary>
    public async Task<PasswordChangeResult> ChangePasswordAsync(string? current, string? replacement, string? confirmation, CancellationToken cancellationToken = default)
    {
        if (await me.GetAsync() is not { } actor)
        {
            return new PasswordChangeResult.Unavailable();
        }

        var (accountId, client) = (actor.AccountId, actor.ClientAddress);
        var budget = actor.SessionId ?? accountId.ToString("N");
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

    private async Task<PendingEnrolment?> StartAsync(StepUpPurpose purpose, Func<string, PendingEnrolment> start)
    {
        var account = await me.GetAsync() is { } actor ? accounts.FindById(actor.AccountId) : null;
        return account is { MayRenewSecondFactor: true } && stepUp.TryConsumeGrant(account.Id, purpose)
            ? start(account.UserName)
            : null;
    }
}
