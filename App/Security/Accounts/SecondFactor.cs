namespace NasDash.Security.Accounts;

/// <summary>
/// An account's second factor: the authenticator's secret, the time steps it may no longer use, and the set of backup
/// codes. It knows its own rules (which step is fresh, which steps to remember); when it may be used or changed is the
/// <see cref="Account"/>'s decision, the only way to change it.
/// </summary>
public sealed class SecondFactor
{
    public const int MaxClockOffSteps = 16;

    internal SecondFactor()
    {
    }

    /// <summary>TOTP secret encrypted with Data Protection; null when the user must enrol.</summary>
    public string? ProtectedTotpSecret { get; private set; }
    /// <summary>Highest TOTP time step ever accepted (RFC 6238 §5.2: only later steps are accepted).</summary>
    public long LastTotpStep { get; private set; } = -1;
    public StoredBackupCodes? BackupCodes { get; private set; }
    /// <summary>
    /// Future steps whose right code arrived while the clock seemed off: refused then, so never accepted later (whoever
    /// learned that the code fits a coming step cannot use it when the step comes).
    /// </summary>
    public IReadOnlyList<long> ClockOffSteps { get; private set; } = [];

    public bool HasTotp => ProtectedTotpSecret is not null;
    public bool IsEnrolled => HasTotp && BackupCodes is not null;
    /// <summary>Codes in the current set: a recovery uses M of them at once and replaces the whole set, so this is no countdown.</summary>
    public int BackupCodesInSet => BackupCodes?.Total ?? 0;

    /// <summary>A step is accepted once, after every step accepted before it, and never when its code came while the clock was off.</summary>
    public bool IsFresh(long step) => step > LastTotpStep && !ClockOffSteps.Contains(step);

    internal void TotpAccepted(long step) => LastTotpStep = step;

    /// <summary>A step still to come is remembered; steps that can no longer be accepted are forgotten.</summary>
    internal void TotpClockOff(long step, long currentStep, int window)
    {
        var kept = ClockOffSteps.Where(s => s >= currentStep - window).TakeLast(MaxClockOffSteps - 1);
        ClockOffSteps = step > currentStep + window && !ClockOffSteps.Contains(step) ? [.. kept, step] : [.. kept];
    }

    internal void Enrolled(string protectedSecret, long acceptedStep, StoredBackupCodes codes)
    {
        AuthenticatorRenewed(protectedSecret, acceptedStep);
        BackupCodes = codes;
    }

    internal void AuthenticatorRenewed(string protectedSecret, long acceptedStep)
    {
        ProtectedTotpSecret = protectedSecret;
        LastTotpStep = acceptedStep;
    }

    internal void BackupCodesRenewed(StoredBackupCodes codes) => BackupCodes = codes;

    /// <summary>Secret and codes gone; the step memory stays, so no step accepted or refused before is accepted again.</summary>
    internal void Cleared()
    {
        ProtectedTotpSecret = null;
        BackupCodes = null;
    }

    internal SecondFactor Clone() => new()
    {
        ProtectedTotpSecret = ProtectedTotpSecret,
        LastTotpStep = LastTotpStep,
        BackupCodes = BackupCodes?.Clone(),
        ClockOffSteps = [.. ClockOffSteps],
    };
}
