namespace NasDash.Security.Accounts;

/// <summary>The password throttle: from the fifth failure a delay that doubles with each further one, up to 15 minutes.</summary>
public static class PasswordThrottle
{
    public const int FailuresBeforeThrottle = 5;
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);

    public static TimeSpan Delay(int passwordFailures)
    {
        var over = passwordFailures - FailuresBeforeThrottle;
        if (over < 0)
        {
            return TimeSpan.Zero;
        }

        var seconds = FirstDelay.TotalSeconds * Math.Pow(2, Math.Min(over, 10));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxDelay.TotalSeconds));
    }

    /// <summary>
    /// The most failures one bucket can have evaluated within <paramref name="period"/>: the free ones, the ramp
    /// to the longest delay, then one per <see cref="MaxDelay"/> (for a day: 4 + 6 + 96 = 106).
    /// </summary>
    public static int EvaluationsBound(TimeSpan period)
    {
        var free = FailuresBeforeThrottle - 1;
        var ramp = 0;
        while (Delay(free + ramp + 1) < MaxDelay)
        {
            ramp++;
        }

        return free + ramp + 1 + (int)Math.Ceiling(period / MaxDelay);
    }
}
