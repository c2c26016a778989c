namespace NasDash.Security.Api;

/// <summary>
/// Wrong API tokens, counted per client address and per token prefix: a token bucket each that only failures drain,
/// shaped like the sign-in <see cref="AddressThrottle"/> but apart from it, so a flood of wrong tokens never takes
/// a turn or a failure from anyone's sign-in. A valid token is never refused here: only guesses are throttled.
/// </summary>
public sealed class ApiTokenThrottle : IDisposable
{
    private readonly FailureBuckets _failures;

    public ApiTokenThrottle(TimeProvider time)
        : this(time, AddressThrottle.FailureBurst, AddressThrottle.ReplenishmentPeriod)
    {
    }

    internal ApiTokenThrottle(TimeProvider time, int burst, TimeSpan period)
    {
        _failures = new FailureBuckets(time, burst, period);
    }

    /// <summary>Until when wrong tokens from this address, or with this prefix, are refused unevaluated; null when not paused.</summary>
    public DateTimeOffset? PausedUntil(string? client, string prefix) =>
        _failures.PausedUntil(AddressKey(client)) ?? _failures.PausedUntil(PrefixKey(prefix));

    public void Failed(string? client, string prefix)
    {
        _failures.Failed(AddressKey(client));
        _failures.Failed(PrefixKey(prefix));
    }

    public void Dispose() => _failures.Dispose();

    private static string AddressKey(string? client) => "address:" + (client ?? "unknown");

    private static string PrefixKey(string prefix) => "prefix:" + prefix;
}
