
namespace NasDash.Features.Login;

/// <summary>What the login page calls: the core's sign-in decisions, with this circuit's client address and device cookies.</summary>
public sealed class LoginService(SignInService signIns, ClientAddress client, BrowserDevice device, ApplianceIdentity appliance)
{
    public string HostName => appliance.HostName;

    public Task<PasswordStepResult> SubmitPasswordAsync(string? userName, string? password, CancellationToken cancellationToken = default) =>
        signIns.SubmitPasswordAsync(userName, password, client.Value, device.Cookies, cancellationToken);

    public Task<PasswordStepResult> SignInWithEnrolmentCodeAsync(string? userName, string? code, string? password, CancellationToken cancellationToken = default) =>
        signIns.SignInWithEnrolmentCodeAsync(userName, code, password, client.Value, cancellationToken);

    public Task<SecondFactorResult> SubmitTotpAsync(string challengeId, string? code, CancellationToken cancellationToken = default) =>
        signIns.SubmitTotpAsync(challengeId, code, client.Value, cancellationToken);

    public Task<SecondFactorResult> SubmitEnrolmentCodeAsync(string challengeId, string? code, CancellationToken cancellationToken = default) =>
        signIns.SubmitEnrolmentCodeAsync(challengeId, code, client.Value, cancellationToken);

    public Task<SecondFactorResult> SubmitBackupCodesAsync(string challengeId, IReadOnlyList<string?> codes, CancellationToken cancellationToken = default) =>
        signIns.SubmitBackupCodesAsync(challengeId, codes, client.Value, cancellationToken);
}
