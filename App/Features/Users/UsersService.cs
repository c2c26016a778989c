using NasDash.Features.Alerts;

namespace NasDash.Features.Users;

/// <summary>One row of the administrators table.</summary>
public sealed record AdministratorRow(
    Guid Id,
    string UserName,
    bool Enrolled,
    bool MustEnrol,
    int CodesInSet,
    DateTimeOffset? CodesGeneratedAt,
    LockoutStatus State,
    DateTimeOffset StateSince,
    DateTimeOffset? LockedUntil,
    DateTimeOffset? LastSignInAt,
    bool MustChangePassword,
    bool IsYou,
    IReadOnlyList<AdministratorAction> Actions,
    int SecurityKeys = 0)
{
    /// <summary>The console command that alone can lift a super-lockout.</summary>
    public string UnlockCommand => $"nasdash console unlock {UserName}";
}

/// <summary>What an administrator may do to an account from its row; the service refuses the others.</summary>
public enum AdministratorAction
{
    ResetSecondFactor,
    ForcePasswordChange,
    Delete,
}

/// <summary>A new administrator as the create form submits it.</summary>
public sealed record NewAdministrator(string UserName, string Password, string Confirmation, bool MustChangePassword);

public abstract record UserActionResult
{
    private UserActionResult()
    {
    }

    /// <summary>EnrolmentCode is the one-time code to hand over, shown once (after a reset or a new administrator).</summary>
    public sealed record Done(string Message, IssuedEnrolmentCode? EnrolmentCode = null) : UserActionResult;
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : UserActionResult;
    /// <summary>The action is not allowed on this account in its state; Message says why and what to do instead.</summary>
    public sealed record Refused(string Message) : UserActionResult;
    public sealed record NotFound : UserActionResult;
    /// <summary>No fresh TOTP code was confirmed for this action.</summary>
    public sealed record StepUpRequired : UserActionResult;
}

/// <summary>
/// The administrators page's decisions, for the signed-in administrator of this circuit. Membership changes
/// (create, delete) are serialised across circuits (<see cref="AdministratorMembership"/>) so two of them can never
/// together remove the last administrator; changes to one account are made under that account's lock.
/// Nothing here can lift a super-lockout: every action on a super-locked account is refused.
/// </summary>
public sealed class UsersService(
    IAccountStore accounts,
    IAlertStore alerts,
    IAuditLog audit,
    AccountLocks locks,
    PasswordHashing passwords,
    StepUp stepUp,
    AlertRules alertRules,
    SecurityEvents events,
    SecurityLedger ledger,
    AdministratorMembership membership,
    CurrentActor me,
    EnrolmentCodes enrolmentCodes,
    TimeProvider time)
{
    private static readonly NewPasswordValidator PasswordValidator = new();
    private static readonly AdministratorAction[] EveryAction = Enum.GetValues<AdministratorAction>();

    /// <summary>Every administrator, each with the actions the viewer may take on them.</summary>
    public async Task<IReadOnlyList<AdministratorRow>> ListAsync()
    {
        var viewerId = (await me.GetAsync())?.AccountId;
        var now = time.GetUtcNow();
        return accounts.All().Select(a => new AdministratorRow(
            a.Id, a.UserName, a.SecondFactor.IsEnrolled, a.MustEnrol || !a.SecondFactor.IsEnrolled, a.SecondFactor.BackupCodesInSet, a.SecondFactor.BackupCodes?.GeneratedAt,
            a.LockoutStatusAt(now), a.StateSince, a.LockedUntil, a.LastSignInAt,
            a.MustChangePassword, a.Id == viewerId,
            viewerId is { } viewer ? EveryAction.Where(action => Refusal(action, a, viewer) is null).ToList() : [],
            a.SecurityKeys.Count)).ToList();
    }

    public static IReadOnlyDictionary<string, string[]> Validate(NewAdministrator candidate) =>
        PasswordValidator.Validate(new NewPassword(candidate.UserName, candidate.Password, candidate.Confirmation)).ToDictionary().AsReadOnly();

    /// <summary>
    /// The new administrator has a password and a one-time enrolment code (returned, shown once): at first sign-in
    /// they enter both before enrolling an authenticator and backup codes.
    /// </summary>
    public async Task<UserActionResult> CreateAsync(NewAdministrator candidate, CancellationToken cancellationToken = default)
    {
        var errors = Validate(candidate);
        if (errors.Count > 0)
        {
            return new UserActionResult.Invalid(errors);
        }

        var actor = await ActorAsync();
        if (actor is null || !stepUp.TryConsumeGrant(actor.AccountId, StepUpPurpose.CreateAdministrator))
        {
            return new UserActionResult.StepUpRequired();
        }

        IssuedEnrolmentCode code;
        await membership.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var userName = candidate.UserName.Trim();
            var account = Account.Create(userName, passwords.Hash(candidate.Password), now, mustChangePassword: candidate.MustChangePassword);
            code = enrolmentCodes.IssueTo(account);
            var created = Entry(actor, AuditNames.UsersCreated.Id, userName,
                (candidate.MustChangePassword ? "must enrol and change the password at first sign-in" : "must enrol at first sign-in") +
                $"; enrolment code issued (valid until {code.ValidUntilText})");
            if (!ledger.Insert(account, created))
            {
                return new UserActionResult.Invalid(new Dictionary<string, string[]>
                {
                    [nameof(NewPassword.UserName)] = [$"An administrator named {userName} already exists."],
                });
            }
        }
        finally
        {
            membership.Release();
        }

        Changed();
        return new UserActionResult.Done($"{candidate.UserName.Trim()} can now sign in with the password and this enrolment code, then sets up two-factor sign-in.", code);
    }

    /// <summary>Never the last administrator who can still sign in, never a super-locked account.</summary>
    public async Task<UserActionResult> DeleteAsync(Guid targetId, CancellationToken cancellationToken = default)
    {
        var actor = await ActorAsync();
        var target = accounts.FindById(targetId);
        if (target is null)
        {
            return new UserActionResult.NotFound();
        }

        if (actor is null || !stepUp.TryConsumeGrant(actor.AccountId, StepUpPurpose.DeleteAdministrator(target.Id, target.UserName)))
        {
            return new UserActionResult.StepUpRequired();
        }

        await membership.WaitAsync(cancellationToken);
        try
        {
            using var locked = await locks.LockAsync(accounts, targetId, cancellationToken);
            if (locked is null)
            {
                return new UserActionResult.NotFound();
            }

            target = locked.Account;

            if (Refusal(AdministratorAction.Delete, target, actor.AccountId) is { } refused)
            {
                return refused;
            }

            var others = accounts.All().Where(a => a.Id != targetId).ToList();
            if (!others.Any(a => !a.IsSuperLocked))
            {
                return new UserActionResult.Refused(others.Count == 0
                    ? $"{target.UserName} is the last administrator; create another one first."
                    : $"{target.UserName} is the last administrator who can sign in; the others are super-locked.");
            }

            ledger.Delete(target, Entry(actor, AuditNames.UsersDeleted.Id, target.UserName, targetId == actor.AccountId ? "deleted their own account" : null));
        }
        finally
        {
            membership.Release();
        }

        Changed();
        return new UserActionResult.Done($"{target.UserName} was deleted; their sessions ended.");
    }

    /// <summary>The user must choose a new password at next sign-in; their current sessions end now.</summary>
    public async Task<UserActionResult> ForcePasswordChangeAsync(Guid targetId, CancellationToken cancellationToken = default)
    {
        var actor = await ActorAsync();
        var target = accounts.FindById(targetId);
        if (actor is null || target is null)
        {
            return new UserActionResult.NotFound();
        }

        if (targetId == actor.AccountId)
        {
            return Refusal(AdministratorAction.ForcePasswordChange, target, actor.AccountId)!;
        }

        using (var locked = await locks.LockAsync(accounts, targetId, cancellationToken))
        {
            if (locked is null)
            {
                return new UserActionResult.NotFound();
            }

            target = locked.Account;

            if (Refusal(AdministratorAction.ForcePasswordChange, target, actor.AccountId) is { } refused)
            {
                return refused;
            }

            target.RequirePasswordChange();
            ledger.Commit(target, Entry(actor, AuditNames.UsersPasswordChangeForced.Id, target.UserName, null));
        }

        events.EndSessions(targetId);
        Changed();
        return new UserActionResult.Done($"{target.UserName} must choose a new password at the next sign-in; their sessions ended.");
    }

    /// <summary>
    /// Clears another administrator's TOTP secret and backup codes and lifts a Recovery, so they enrol again at
    /// the next sign-in. Ends their sessions. Refused for a super-locked account and for yourself.
    /// </summary>
    public async Task<UserActionResult> ResetSecondFactorAsync(Guid targetId, CancellationToken cancellationToken = default)
    {
        var actor = await ActorAsync();
        var target = accounts.FindById(targetId);
        if (target is null)
        {
            return new UserActionResult.NotFound();
        }

        if (actor is not null && targetId == actor.AccountId)
        {
            return Refusal(AdministratorAction.ResetSecondFactor, target, actor.AccountId)!;
        }

        if (actor is null || !stepUp.TryConsumeGrant(actor.AccountId, StepUpPurpose.ResetSecondFactor(target.Id, target.UserName)))
        {
            return new UserActionResult.StepUpRequired();
        }

        string before;
        IssuedEnrolmentCode issued;
        using (var locked = await locks.LockAsync(accounts, targetId, cancellationToken))
        {
            if (locked is null)
            {
                return new UserActionResult.NotFound();
            }

            target = locked.Account;

            if (Refusal(AdministratorAction.ResetSecondFactor, target, actor.AccountId) is { } refused)
            {
                return refused;
            }

            before = target.LockoutStatusAt(time.GetUtcNow()).ToString();
            var (code, stored, validUntil) = enrolmentCodes.New();
            target.SecondFactorResetByAdministrator(time.GetUtcNow(), stored, validUntil);
            issued = new IssuedEnrolmentCode(target.UserName, code, validUntil);
            ledger.Commit(target, Entry(actor, AuditNames.UsersSecondFactorReset.Id, target.UserName,
                $"was {before}; TOTP secret and backup codes cleared, device cookies revoked, enrolment code issued (valid until {issued.ValidUntilText})"));
        }

        alerts.Clear(AlertKeys.Recovery(target.NormalizedUserName));
        events.EndSessions(targetId);
        Changed();
        return new UserActionResult.Done($"{target.UserName}'s authenticator and backup codes were cleared; with the password and this enrolment code they set up two-factor sign-in again.", issued);
    }

    /// <summary>Why the actor may not take this action on the account now, or null when they may: the row's menu and the action itself ask this.</summary>
    private static UserActionResult.Refused? Refusal(AdministratorAction action, Account target, Guid actorId) =>
        target.IsSuperLocked
            ? new($"{target.UserName} is super-locked. Only 'nasdash console unlock {target.UserName}' on the appliance can unlock it.")
            : target.Id != actorId ? null
            : action switch
            {
                AdministratorAction.ResetSecondFactor => new("Renew your own authenticator or backup codes on the My account page."),
                AdministratorAction.ForcePasswordChange => new("Change your own password on the My account page."),
                _ => null,
            };

    /// <summary>The signed-in administrator, provided their account still exists.</summary>
    private async Task<Actor?> ActorAsync() =>
        await me.GetAsync() is { } actor && accounts.FindById(actor.AccountId) is not null ? actor : null;

    private void Changed()
    {
        alertRules.Evaluate();
        events.NotifyChanged();
    }

    private void Audit(Actor actor, string name, string target, string? detail) =>
        audit.Append(Entry(actor, name, target, detail));

    private AuditEvent Entry(Actor actor, string name, string target, string? detail) => new()
    {
        At = time.GetUtcNow(),
        UserName = actor.UserName,
        ClientAddress = actor.ClientAddress,
        Event = name,
        Outcome = "succeeded",
        Detail = detail is null ? $"target {target}" : $"target {target}; {detail}",
    };
}
