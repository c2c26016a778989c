namespace NasDash.Security.SignIn;

public enum SecondFactorMethod
{
    Totp,
    BackupCodes,
}

/// <summary>The verdict of the password step. The page only branches on it.</summary>
public abstract record PasswordStepResult
{
    private PasswordStepResult()
    {
    }

    /// <summary>Wrong user name or password: one generic answer for both.</summary>
    public sealed record InvalidCredentials : PasswordStepResult;
    public sealed record Throttled(DateTimeOffset Until) : PasswordStepResult;
    /// <summary>No web sign-in is possible. UserName is the account the console must unlock.</summary>
    public sealed record SuperLocked(string UserName, bool ApplianceWide) : PasswordStepResult;
    /// <summary>Password accepted; the second factor is next. Method is BackupCodes when the account is in Recovery.</summary>
    public sealed record SecondFactorRequired(string ChallengeId, SecondFactorMethod Method, int RequiredCodes, bool InRecovery) : PasswordStepResult;
    /// <summary>Password accepted; the account was reset or created on /users and must present its one-time enrolment code first.</summary>
    public sealed record EnrolmentCodeRequired(string ChallengeId) : PasswordStepResult;
    /// <summary>Password accepted; the account has no second factor (recovered, or 2FA newly required) and must enrol.</summary>
    public sealed record EnrolmentRequired(Guid AccountId, string SignInTicket) : PasswordStepResult;
    /// <summary>Password alone suffices (2FA not enforced and not enrolled).</summary>
    public sealed record SignedIn(Guid AccountId, string SignInTicket) : PasswordStepResult;
    public sealed record Refused(string Message) : PasswordStepResult;
}

/// <summary>The verdict of a TOTP or backup-code submission.</summary>
public abstract record SecondFactorResult
{
    private SecondFactorResult()
    {
    }

    public sealed record SignedIn(Guid AccountId, string SignInTicket, bool MustEnrol) : SecondFactorResult;
    /// <summary>Not a well-formed submission; nothing was counted.</summary>
    public sealed record Malformed(string Message) : SecondFactorResult;
    public sealed record InvalidTotp(int FailuresBeforeRecovery, bool Replayed) : SecondFactorResult;
    /// <summary>T TOTP failures: TOTP is no longer accepted, M backup codes are.</summary>
    public sealed record MovedToRecovery(int RequiredCodes) : SecondFactorResult;
    /// <summary>TOTP submitted while the account is in Recovery.</summary>
    public sealed record RecoveryRequired(int RequiredCodes) : SecondFactorResult;
    public sealed record InvalidBackupCodes(int SubmissionsLeft, bool SshMayBeDisabled) : SecondFactorResult;
    /// <summary>A wrong enrolment code; counted like a failed backup-code submission.</summary>
    public sealed record InvalidEnrolmentCode(int SubmissionsLeft) : SecondFactorResult;
    /// <summary>No enrolment code is valid now (expired, or already used); Command issues a new one.</summary>
    public sealed record EnrolmentCodeUnavailable(bool Expired, string Command) : SecondFactorResult;
    /// <summary>No web sign-in is possible. UserName is the account the console must unlock.</summary>
    public sealed record SuperLocked(string UserName, bool ApplianceWide) : SecondFactorResult;
    /// <summary>The password step is too old or the account changed since; sign in again.</summary>
    public sealed record ChallengeExpired : SecondFactorResult;
    /// <summary>A right code for a time about <paramref name="Offset"/> from the appliance's clock (positive: ahead of it); nothing counted.</summary>
    public sealed record ClockOff(TimeSpan Offset) : SecondFactorResult;
}
