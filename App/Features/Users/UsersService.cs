using NasDash.Features.Alerts;
using NasDash.Security;

namespace NasDash.Features.Users;

/// <summary>One row of the administrators table.</summary>
public sealed record AdministratorRow(
    Guid Id,
    string UserName,
    bool Enrolled,
    bool MustEnrol,
    int CodesLeft,
    int CodesTotal,
    bool CodesLow,
    AccountState State,
    DateTimeOffset StateSince,
    DateTimeOffset? LockedUntil,
    DateTimeOffset? LastSignInAt,
    bool MustChangePassword,
    bool IsYou,
    int SecurityKeys = 0)
{
    /// <summary>The console command that alone can lift a super-lockout.</summary>
    public string UnlockCommand => $"nasdash console unlock {UserName}";
}

/// <summary>A new administrator as the create form submits it.</summary>
public sealed record NewAdministrator(string UserName, string Password, string Confirmation, bool MustChangePassword);

public abstract record UserActionResult
{
    private UserActionResult()
    {
    }

    public sealed record Done(string Message) : UserActionResult;
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : UserActionResult;
    /// <summary>The action is not allowed on this account in its state; Message says why and what to do instead.</summary>
    public sealed record Refused(string Message) : UserActionResult;
    public sealed record NotFound : UserActionResult;
    /// <summary>No fresh TOTP code was confirmed for this action.</summary>
    public sealed record StepUpRequired : UserActionResult;
}

/// <summary>
/// The administrators page's decisions. Membership changes (create, delete) are serialised so two of them can
/// never together remove the last administrator; changes to one account are made under that account's lock.
/// Nothing here can lift a super-lockout: every action on a super-locked account is refused.
/// </summary>
public sealed class UsersService(
    IAccountStore accounts,
    ISettingsStore settings,
    IAlertStore alerts,
    IAuditLog audit,
    AccountLocks locks,
    PasswordHashing passwords,
    StepUp stepUp,
    AlertRules alertRules,
    SecurityEvents events,
    TimeProvider time)
{
    public const string CreatePurpose = "Create an administrator";

    private static readonly NewPasswordValidator PasswordValidator = new();
    private readonly SemaphoreSlim _membership = new(1, 1);

    public static string DeletePurpose(string userName) => $"Delete administrator {userName}";

    public static string ResetPurpose(string userName) => $"Reset the second factor of {userName}";

    public IReadOnlyList<AdministratorRow> List(Guid viewerId)
    {
        var now = time.GetUtcNow();
        var m = settings.Get().TwoFactor.RequiredCodesAtRecovery;
        return accounts.All().Select(a => new AdministratorRow(
            a.Id, a.UserName, a.IsEnrolled, a.MustEnrol || !a.IsEnrolled, a.BackupCodesLeft, a.BackupCodes?.Total ?? 0,
            a.IsEnrolled && a.BackupCodesLeft < m, a.EffectiveState(now), a.StateSince, a.LockedUntil, a.LastSignInAt,
            a.MustChangePassword, a.Id == viewerId, a.SecurityKeys.Count)).ToList();
    }

    public static IReadOnlyDictionary<string, string[]> Validate(NewAdministrator candidate) =>
        PasswordValidator.Validate(new NewPassword(candidate.UserName, candidate.Password, candidate.Confirmation)).Errors
            .GroupBy(e => e.PropertyName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray(), StringComparer.Ordinal);

    /// <summary>The new administrator has a password only and enrols an authenticator and backup codes at first sign-in.</summary>
    public async Task<UserActionResult> CreateAsync(NewAdministrator candidate, Guid actorId, string? client, CancellationToken cancellationToken = default)
    {
        var errors = Validate(candidate);
        if (errors.Count > 0)
        {
            return new UserActionResult.Invalid(errors);
        }

        var actor = accounts.FindById(actorId);
        if (actor is null || !stepUp.TryConsumeGrant(actorId, CreatePurpose))
        {
            return new UserActionResult.StepUpRequired();
        }

        await _membership.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var userName = candidate.UserName.Trim();
            var account = Account.Create(userName, passwords.Hash(candidate.Password), now, mustChangePassword: candidate.MustChangePassword);
            if (!accounts.TryInsert(account))
            {
                return new UserActionResult.Invalid(new Dictionary<string, string[]>
                {
                    [nameof(NewPassword.UserName)] = [$"An administrator named {userName} already exists."],
                });
            }

            Audit(actor.UserName, client, "users.created", userName,
                candidate.MustChangePassword ? "must enrol and change the password at first sign-in" : "must enrol at first sign-in");
        }
        finally
        {
            _membership.Release();
        }

        Changed();
        return new UserActionResult.Done($"{candidate.UserName.Trim()} can now sign in and will be asked to set up two-factor sign-in.");
    }

    /// <summary>Never the last administrator who can still sign in, never a super-locked account.</summary>
    public async Task<UserActionResult> DeleteAsync(Guid targetId, Guid actorId, string? client, CancellationToken cancellationToken = default)
    {
        var actor = accounts.FindById(actorId);
        var target = accounts.FindById(targetId);
        if (target is null)
        {
            return new UserActionResult.NotFound();
        }

        if (actor is null || !stepUp.TryConsumeGrant(actorId, DeletePurpose(target.UserName)))
        {
            return new UserActionResult.StepUpRequired();
        }

        await _membership.WaitAsync(cancellationToken);
        try
        {
            using var locked = await locks.LockAsync(accounts, targetId, cancellationToken);
            if (locked is null)
            {
                return new UserActionResult.NotFound();
            }

            target = locked.Account;

            if (target.State == AccountState.SuperLocked)
            {
                return SuperLockedRefusal(target);
            }

            var others = accounts.All().Where(a => a.Id != targetId).ToList();
            if (!others.Any(a => a.State != AccountState.SuperLocked))
            {
                return new UserActionResult.Refused(others.Count == 0
                    ? $"{target.UserName} is the last administrator; create another one first."
                    : $"{target.UserName} is the last administrator who can sign in; the others are super-locked.");
            }

            accounts.Delete(targetId);
            Audit(actor.UserName, client, "users.deleted", target.UserName, targetId == actorId ? "deleted their own account" : null);
        }
        finally
        {
            _membership.Release();
        }

        events.EndSessions(targetId);
        Changed();
        return new UserActionResult.Done($"{target.UserName} was deleted; their sessions ended.");
    }

    /// <summary>The user must choose a new password at next sign-in; their current sessions end now.</summary>
    public async Task<UserActionResult> ForcePasswordChangeAsync(Guid targetId, Guid actorId, string? client, CancellationToken cancellationToken = default)
    {
        var actor = accounts.FindById(actorId);
        var target = accounts.FindById(targetId);
        if (actor is null || target is null)
        {
            return new UserActionResult.NotFound();
        }

        if (targetId == actorId)
        {
            return new UserActionResult.Refused("Change your own password on the My account page.");
        }

        using (var locked = await locks.LockAsync(accounts, targetId, cancellationToken))
        {
            if (locked is null)
            {
                return new UserActionResult.NotFound();
            }

            target = locked.Account;

            if (target.State == AccountState.SuperLocked)
            {
                return SuperLockedRefusal(target);
            }

            target.RequirePasswordChange();
            accounts.Update(target, Entry(actor.UserName, client, "users.password-change-forced", target.UserName, null));
        }

        events.EndSessions(targetId);
        Changed();
        return new UserActionResult.Done($"{target.UserName} must choose a new password at the next sign-in; their sessions ended.");
    }

    /// <summary>
    /// Clears another administrator's TOTP secret and backup codes and lifts a Recovery, so they enrol again at
    /// the next sign-in. Ends their sessions. Refused for a super-locked account and for yourself.
    /// </summary>
    public async Task<UserActionResult> ResetSecondFactorAsync(Guid targetId, Guid actorId, string? client, CancellationToken cancellationToken = default)
    {
        var actor = accounts.FindById(actorId);
        var target = accounts.FindById(targetId);
        if (target is null)
        {
            return new UserActionResult.NotFound();
        }

        if (targetId == actorId)
        {
            return new UserActionResult.Refused("Renew your own authenticator or backup codes on the My account page.");
        }

        if (actor is null || !stepUp.TryConsumeGrant(actorId, ResetPurpose(target.UserName)))
        {
            return new UserActionResult.StepUpRequired();
        }

        string before;
        using (var locked = await locks.LockAsync(accounts, targetId, cancellationToken))
        {
            if (locked is null)
            {
                return new UserActionResult.NotFound();
            }

            target = locked.Account;

            if (target.State == AccountState.SuperLocked)
            {
                return SuperLockedRefusal(target);
            }

            before = target.EffectiveState(time.GetUtcNow()).ToString();
            target.SecondFactorResetByAdministrator(time.GetUtcNow());
            accounts.Update(target, Entry(actor.UserName, client, "users.second-factor-reset", target.UserName,
                $"was {before}; TOTP secret and backup codes cleared, enrolment required"));
        }

        alerts.Clear($"recovery:{target.NormalizedUserName}");
        events.EndSessions(targetId);
        Changed();
        return new UserActionResult.Done($"{target.UserName}'s authenticator and backup codes were cleared; they set up two-factor sign-in again at the next sign-in.");
    }

    private static UserActionResult.Refused SuperLockedRefusal(Account account) =>
        new($"{account.UserName} is super-locked. Only `nasdash console unlock {account.UserName}` on the appliance can unlock it.");

    private void Changed()
    {
        alertRules.Evaluate();
        events.NotifyChanged();
    }

    private void Audit(string actor, string? client, string name, string target, string? detail) =>
        audit.Append(Entry(actor, client, name, target, detail));

    private AuditEvent Entry(string actor, string? client, string name, string target, string? detail) => new()
    {
        At = time.GetUtcNow(),
        UserName = actor,
        ClientAddress = client,
        Event = name,
        Outcome = "succeeded",
        Detail = detail is null ? $"target {target}" : $"target {target}; {detail}",
    };
}
