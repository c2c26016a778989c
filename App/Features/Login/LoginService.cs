using NasDash.Features.Sessions;
using NasDash.Security;
using NasDash.Storage;

namespace NasDash.Features.Login;

/// <summary>
/// What the login page calls: the core's sign-in decisions, with this circuit's client address and the
/// per-address throttle in front of the password step.
/// </summary>
public sealed class LoginService(SignInService signIns, ClientThrottle throttle, ClientAddress client, BrowserDevice device, ApplianceIdentity appliance)
{
    public string HostName => appliance.HostName;

    public async Task<PasswordStepResult> SubmitPasswordAsync(string? userName, string? password, CancellationToken cancellationToken = default)
    {
        using var turn = await throttle.BeginAsync(client.Value, cancellationToken);
        if (turn.PausedUntil is { } until)
        {
            return new PasswordStepResult.Throttled(until);
        }

        PasswordStepResult result;
        try
        {
            result = await signIns.SubmitPasswordAsync(userName, password, client.Value, device.Tokens, cancellationToken);
        }
        catch (StoreUnavailableException)
        {
            // Not recorded on disk, so at least the per-address pause counts it: a full disk must not lift the throttle.
            turn.Failed();
            throw;
        }

        if (result is PasswordStepResult.InvalidCredentials or PasswordStepResult.Throttled)
        {
            turn.Failed();
        }

        return result;
    }

    public Task<SecondFactorResult> SubmitTotpAsync(string challengeId, string? code, CancellationToken cancellationToken = default) =>
        signIns.SubmitTotpAsync(challengeId, code, client.Value, cancellationToken);

    public Task<SecondFactorResult> SubmitEnrolmentCodeAsync(string challengeId, string? code, CancellationToken cancellationToken = default) =>
        signIns.SubmitEnrolmentCodeAsync(challengeId, code, client.Value, cancellationToken);

    public Task<SecondFactorResult> SubmitBackupCodesAsync(string challengeId, IReadOnlyList<string?> codes, CancellationToken cancellationToken = default) =>
        signIns.SubmitBackupCodesAsync(challengeId, codes, client.Value, cancellationToken);
}
