namespace NasDash.Security.Accounts;

/// <summary>
/// The one-time code (hashed, a batch of one) that whoever left an account without a second factor handed over, its
/// expiry, and the password budget of whoever holds it: an account that must enrol presents it after the password,
/// before any secret is made. Whether it is asked for and what a wrong one costs is the <see cref="Account"/>'s decision.
/// </summary>
public sealed class EnrolmentCode
{
    internal EnrolmentCode()
    {
    }

    /// <summary>The code's hash; null when none was issued or it was used.</summary>
    public StoredBackupCodes? Code { get; private set; }
    public DateTimeOffset? ExpiresAt { get; private set; }
    /// <summary>
    /// Wrong passwords sent together with the valid code: the holder's own password budget, apart from the untrusted
    /// bucket and the per-address throttle, so no pause of theirs keeps the holder out.
    /// </summary>
    public int PasswordFailures { get; private set; }
    public DateTimeOffset? LockedUntil { get; private set; }

    public bool IsIssued => Code is not null;

    public bool IsValidAt(DateTimeOffset now) => Code is not null && ExpiresAt > now;

    /// <summary>One hash, compared in constant time; the caller decides under the account's lock.</summary>
    public bool Matches(string normalizedCode) => Code is { } stored && BackupCodes.Match(stored, [normalizedCode]) is not null;

    /// <summary>Until when the holder of the valid code is refused a password attempt on the code's own budget.</summary>
    public DateTimeOffset? ThrottledUntil(DateTimeOffset now) => Budget.PausedAt(now);

    // The same two stored fields as a budget (not mapped: the store keeps PasswordFailures and LockedUntil).
    private PasswordBudget Budget
    {
        get => new(PasswordFailures, LockedUntil);
        set => (PasswordFailures, LockedUntil) = (value.Failures, value.PausedUntil);
    }

    /// <summary>A new code, replacing any older one, with a full budget of its own.</summary>
    internal void Issued(StoredBackupCodes code, DateTimeOffset expiresAt)
    {
        if (code.Total != 1)
        {
            throw new ArgumentException("An enrolment code is a batch of one.", nameof(code));
        }

        Code = code;
        ExpiresAt = expiresAt;
        Budget = PasswordBudget.Full;
    }

    internal void PasswordFailed(DateTimeOffset now) => Budget = Budget.Failed(now);

    internal void UsedUp()
    {
        Code = null;
        ExpiresAt = null;
        Budget = PasswordBudget.Full;
    }

    internal EnrolmentCode Clone() => new()
    {
        Code = Code?.Clone(),
        ExpiresAt = ExpiresAt,
        PasswordFailures = PasswordFailures,
        LockedUntil = LockedUntil,
    };
}
