using NasDash.Storage;

namespace NasDash.Features.Login;

public enum LoginPhase
{
    Password,
    /// <summary>Too many failed attempts: a countdown, no form.</summary>
    Throttled,
    Totp,
    BackupCodes,
    /// <summary>The account was reset or is new: the one-time enrolment code before any enrolment.</summary>
    EnrolmentCode,
    /// <summary>"I have an enrolment code": user name, code and password at once; no pause refuses it.</summary>
    EnrolmentCodeSignIn,
    /// <summary>No web sign-in possible: only the console command helps.</summary>
    SuperLocked,
    /// <summary>A sign-in ticket was issued; the browser is on its way to the cookie endpoint.</summary>
    SigningIn,
}

/// <summary>Why the backup-code form is shown.</summary>
public enum BackupCodesReason
{
    /// <summary>The user chose "Lost your authenticator?".</summary>
    Chosen,
    /// <summary>T wrong TOTP codes just moved the account to Recovery.</summary>
    TooManyTotpFailures,
    /// <summary>The account was already in Recovery when this sign-in began.</summary>
    AccountInRecovery,
}

/// <summary>A wrong backup-code submission, as the lockout dialog shows it.</summary>
public sealed record BackupCodesRefusal(int SubmissionsLeft, bool SshMayBeDisabled);

/// <summary>
/// What the login page shows. It changes only by applying a verdict of the sign-in service (or the user's
/// choice of method), so each phase is a direct consequence of a closed result type.
/// </summary>
public sealed class LoginState
{
    public const string InvalidCredentialsMessage = "The user name or password is not correct.";
    public const string ChallengeExpiredMessage = "Your sign-in took too long, or the account changed meanwhile. Enter your password again.";
    public const string TicketExpiredMessage = "That sign-in did not complete in time, or the account changed meanwhile. Sign in again.";
    public const string ReplayedMessage = "That code was already used. Wait for the next code in your app.";
    public const string WrongTotpMessage = "That code is not correct.";
    public const string WrongEnrolmentCodeMessage = "That enrolment code is not correct.";

    public LoginPhase Phase { get; private set; } = LoginPhase.Password;
    /// <summary>As typed at the password step.</summary>
    public string UserName { get; private set; } = "";
    public string? ChallengeId { get; private set; }
    /// <summary>M: how many backup codes are judged together.</summary>
    public int RequiredCodes { get; private set; }
    public BackupCodesReason Reason { get; private set; }
    public BackupCodesRefusal? Refusal { get; private set; }
    public DateTimeOffset? PausedUntil { get; private set; }
    /// <summary>The account the console command must unlock.</summary>
    public string? LockedUserName { get; private set; }
    public bool ApplianceWide { get; private set; }
    /// <summary>What went wrong with the last submission of the current phase, if anything.</summary>
    public string? Message { get; private set; }
    public string? SignInTicket { get; private set; }

    /// <summary>The attempts-left sentence of the last wrong TOTP code.</summary>
    private string? _attemptsLeft;

    /// <summary>Once backup codes were judged (or TOTP is no longer accepted), there is no way back to TOTP.</summary>
    public bool RecoveryStarted => Refusal is not null || Reason != BackupCodesReason.Chosen;

    public static LoginState AfterExpiredTicket() => new() { Message = TicketExpiredMessage };

    public void Apply(string userName, PasswordStepResult result)
    {
        UserName = userName.Trim();
        Message = null;
        switch (result)
        {
            case PasswordStepResult.InvalidCredentials:
                Message = InvalidCredentialsMessage;
                break;
            case PasswordStepResult.Refused refused:
                Message = refused.Message;
                break;
            case PasswordStepResult.Throttled throttled:
                Phase = LoginPhase.Throttled;
                PausedUntil = throttled.Until;
                break;
            case PasswordStepResult.SuperLocked locked:
                SuperLock(locked.UserName, locked.ApplianceWide);
                break;
            case PasswordStepResult.SecondFactorRequired required:
                ChallengeId = required.ChallengeId;
                RequiredCodes = required.RequiredCodes;
                Refusal = null;
                if (required.Method == SecondFactorMethod.BackupCodes)
                {
                    Phase = LoginPhase.BackupCodes;
                    Reason = BackupCodesReason.AccountInRecovery;
                }
                else
                {
                    Phase = LoginPhase.Totp;
                }

                break;
            case PasswordStepResult.EnrolmentCodeRequired required:
                ChallengeId = required.ChallengeId;
                Phase = LoginPhase.EnrolmentCode;
                break;
            case PasswordStepResult.EnrolmentRequired enrol:
                SignIn(enrol.SignInTicket);
                break;
            case PasswordStepResult.SignedIn signedIn:
                SignIn(signedIn.SignInTicket);
                break;
        }
    }

    public void Apply(SecondFactorResult result)
    {
        Message = null;
        switch (result)
        {
            case SecondFactorResult.SignedIn signedIn:
                SignIn(signedIn.SignInTicket);
                break;
            case SecondFactorResult.Malformed malformed:
                // Not counted, so the warning of the last counted failure still holds and must stay in view.
                Message = _attemptsLeft is null ? malformed.Message : $"{malformed.Message}{_attemptsLeft}";
                break;
            case SecondFactorResult.InvalidTotp invalid:
                _attemptsLeft = invalid.FailuresBeforeRecovery == 1
                    ? " One more wrong code and this sign-in will need backup codes instead."
                    : $" {invalid.FailuresBeforeRecovery} more wrong codes and this sign-in will need backup codes instead.";
                Message = (invalid.Replayed ? ReplayedMessage : WrongTotpMessage) + _attemptsLeft;
                break;
            case SecondFactorResult.MovedToRecovery moved:
                ToBackupCodes(moved.RequiredCodes, BackupCodesReason.TooManyTotpFailures);
                break;
            case SecondFactorResult.RecoveryRequired required:
                ToBackupCodes(required.RequiredCodes, BackupCodesReason.AccountInRecovery);
                break;
            case SecondFactorResult.InvalidBackupCodes invalid:
                Refusal = new BackupCodesRefusal(invalid.SubmissionsLeft, invalid.SshMayBeDisabled);
                break;
            case SecondFactorResult.InvalidEnrolmentCode invalid:
                Message = WrongEnrolmentCodeMessage + (invalid.SubmissionsLeft == 1
                    ? " One more wrong code super-locks this account; only the appliance console can unlock it then."
                    : $" {invalid.SubmissionsLeft} more wrong codes super-lock this account.");
                break;
            case SecondFactorResult.EnrolmentCodeUnavailable unavailable:
                Message = (unavailable.Expired ? "Your enrolment code has expired." : "No enrolment code is waiting for this account (it was already used).") +
                          $" For a new one, run '{unavailable.Command}' on the appliance, or ask another administrator to reset your two-factor sign-in on the Administrators page.";
                break;
            case SecondFactorResult.SuperLocked locked:
                SuperLock(locked.UserName, locked.ApplianceWide);
                break;
            case SecondFactorResult.ClockOff clockOff:
                Message = $"That code is right, but for a time {SignInService.ClockOffText(clockOff.Offset)} this appliance's clock, so its clock (or your phone's) is off. " +
                          "Nothing was counted. Check the appliance's time (NTP) and your phone's, or sign in with backup codes.";
                break;
            case SecondFactorResult.ChallengeExpired:
                Phase = LoginPhase.Password;
                ChallengeId = null;
                Refusal = null;
                Message = ChallengeExpiredMessage;
                break;
        }
    }

    /// <summary>"I have an enrolment code", offered at the password step and while sign-in is paused alike.</summary>
    public void ChooseEnrolmentCode()
    {
        if (Phase is LoginPhase.Password or LoginPhase.Throttled)
        {
            Phase = LoginPhase.EnrolmentCodeSignIn;
            PausedUntil = null;
            Message = null;
        }
    }

    public void ChoosePassword()
    {
        if (Phase == LoginPhase.EnrolmentCodeSignIn)
        {
            Phase = LoginPhase.Password;
            Message = null;
        }
    }

    /// <summary>The store refused the write that would have counted this attempt: nothing changed, so the step stays.</summary>
    public void NotRecorded(string why) => Message = why;

    public void ChooseBackupCodes()
    {
        if (Phase == LoginPhase.Totp)
        {
            ToBackupCodes(RequiredCodes, BackupCodesReason.Chosen);
        }
    }

    public void ChooseTotp()
    {
        if (Phase == LoginPhase.BackupCodes && !RecoveryStarted)
        {
            Phase = LoginPhase.Totp;
            Message = null;
        }
    }

    public void ThrottleElapsed()
    {
        if (Phase == LoginPhase.Throttled)
        {
            Phase = LoginPhase.Password;
            PausedUntil = null;
        }
    }

    private void ToBackupCodes(int requiredCodes, BackupCodesReason reason)
    {
        Phase = LoginPhase.BackupCodes;
        RequiredCodes = requiredCodes;
        Reason = reason;
        Message = null;
    }

    private void SuperLock(string userName, bool applianceWide)
    {
        Phase = LoginPhase.SuperLocked;
        LockedUserName = userName;
        ApplianceWide = applianceWide;
        ChallengeId = null;
    }

    private void SignIn(string ticket)
    {
        Phase = LoginPhase.SigningIn;
        SignInTicket = ticket;
    }
}
