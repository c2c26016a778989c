namespace NasDash.Security.Accounts;

/// <summary>
/// One budget of password guesses: the failures counted against it and the pause they started
/// (<see cref="PasswordThrottle"/>). Each has its own: browsers without a device cookie (the untrusted bucket), each
/// trusted device, the holder of a valid enrolment code, each session's "Change password", each unknown user name.
/// </summary>
public readonly record struct PasswordBudget(int Failures, DateTimeOffset? PausedUntil)
{
    /// <summary>No failure counted, no pause.</summary>
    public static PasswordBudget Full => default;

    /// <summary>
    /// Until when guesses on this budget are refused unevaluated, if they are at <paramref name="now"/>. A stored end
    /// further off than the pause its failures start can only come from a wall clock set back since: it is treated as
    /// over, so a 30 s pause never becomes an hour's.
    /// </summary>
    public DateTimeOffset? PausedAt(DateTimeOffset now) =>
        PausedUntil is { } until && until > now && until - now <= PasswordThrottle.Delay(Failures) ? until : null;

    /// <summary>One more wrong password: from the fifth a pause that doubles with each further one, up to 15 minutes.</summary>
    public PasswordBudget Failed(DateTimeOffset now)
    {
        var failures = Failures + 1;
        var delay = PasswordThrottle.Delay(failures);
        return new PasswordBudget(failures, delay > TimeSpan.Zero ? now + delay : PausedUntil);
    }
}
