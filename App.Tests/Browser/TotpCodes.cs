using OtpNet;

namespace NasDash.Tests.Browser;

/// <summary>Codes an authenticator app would show, against the server's real clock.</summary>
public static class TotpCodes
{
    public const int StepSeconds = 30;

    public static long CurrentStep() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / StepSeconds;

    public static string At(byte[] secret, long step) =>
        new Totp(secret, StepSeconds, OtpHashMode.Sha1, 6).ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * StepSeconds).UtcDateTime);

    /// <summary>
    /// The code of the earliest time step after <paramref name="lastUsedStep"/> that a verifier with the default
    /// window (±1 step) accepts now. The server refuses a step already used (replay), so a second sign-in within
    /// the same 30 s uses the next step's code; only a third waits for the clock.
    /// </summary>
    public static async Task<(string Code, long Step)> NextAsync(byte[] secret, long lastUsedStep, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var current = CurrentStep();
            var step = Math.Max(current, lastUsedStep + 1);
            if (step <= current + 1)
            {
                return (At(secret, step), step);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}
