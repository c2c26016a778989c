using System.Security.Cryptography;

namespace NasDash.Features.Setup;

public enum SetupStep
{
    Token,
    Administrator,
    Authenticator,
    BackupCodes,
    Review,
}

/// <summary>
/// One browser's way through the setup wizard, scoped to its circuit: the accepted token, the administrator's
/// name and password hash, and the enrolment whose secret and plaintext codes live only here. Closing the tab
/// or restarting the server forgets all of it, and setup starts again.
/// </summary>
public sealed class SetupWizard(SetupService setup, EnrolmentService enrolments, ClientAddress client) : IDisposable
{
    private SetupGrant? _grant;
    private bool _authenticatorRecorded;
    private bool _codesRecorded;

    private string? Client => client.Value;

    public bool TokenAccepted => _grant is not null;
    public AdministratorDraft? Administrator { get; private set; }
    public NasDash.Security.Enrolment.PendingEnrolment? Enrolment { get; private set; }
    /// <summary>The "I have stored these codes somewhere safe" tick.</summary>
    public bool Confirmed { get; set; }
    public bool CodesSaved => Enrolment is { Downloaded: true } && Confirmed;
    public bool CanFinish => TokenAccepted && Administrator is not null && Enrolment is not null && Enrolment.CanComplete(Confirmed);

    /// <summary>The steps this appliance shows: no token step when NasDash:Setup:RequireToken is off.</summary>
    public IReadOnlyList<SetupStep> Steps { get; } = setup.RequiresToken
        ? [SetupStep.Token, SetupStep.Administrator, SetupStep.Authenticator, SetupStep.BackupCodes, SetupStep.Review]
        : [SetupStep.Administrator, SetupStep.Authenticator, SetupStep.BackupCodes, SetupStep.Review];

    public TokenResult SubmitToken(string? token)
    {
        var result = setup.VerifyToken(token, Client);
        if (result is TokenResult.Accepted accepted)
        {
            _grant = accepted.Grant;
        }

        return result;
    }

    /// <summary>
    /// Accepts the administrator; the plaintext password is hashed and dropped. A new user name starts a new
    /// enrolment, because the authenticator entry carries the name.
    /// </summary>
    public async Task<AdministratorResult> SubmitAdministratorAsync(string? userName, string? password, string? confirmation)
    {
        var result = await setup.PrepareAdministratorAsync(new NewPassword(userName ?? "", password ?? "", confirmation ?? ""));
        if (result is AdministratorResult.Accepted accepted)
        {
            Administrator = accepted.Draft;
            if (Enrolment is null || Enrolment.UserName != accepted.Draft.UserName)
            {
                Forget(Enrolment);
                Enrolment = enrolments.Start(accepted.Draft.UserName);
                Confirmed = false;
                _authenticatorRecorded = false;
                _codesRecorded = false;
            }

            setup.RecordStep(accepted.Draft.UserName, Client, AuditNames.SetupAdministrator, "chosen");
        }

        return result;
    }

    /// <summary>True when the step's work is done, so the wizard may move past it; the first time, audits it.</summary>
    public bool TryLeave(SetupStep step)
    {
        if (setup.IsComplete)
        {
            return false;
        }

        switch (step)
        {
            case SetupStep.Token:
                return TokenAccepted;
            case SetupStep.Administrator:
                return Administrator is not null && Enrolment is not null;
            case SetupStep.Authenticator:
                if (Enrolment is not { TotpVerified: true })
                {
                    return false;
                }

                if (!_authenticatorRecorded)
                {
                    _authenticatorRecorded = true;
                    setup.RecordStep(Enrolment.UserName, Client, AuditNames.SetupAuthenticator, "verified");
                }

                return true;
            case SetupStep.BackupCodes:
                if (!CodesSaved)
                {
                    return false;
                }

                if (!_codesRecorded)
                {
                    _codesRecorded = true;
                    setup.RecordStep(Enrolment!.UserName, Client, AuditNames.SetupBackupCodes, "downloaded-and-confirmed", $"{Enrolment.Codes.Count} codes");
                }

                return true;
            default:
                return CanFinish;
        }
    }

    public Task<SetupResult> FinishAsync(CancellationToken cancellationToken = default) =>
        setup.CompleteAsync(_grant, Administrator, Enrolment, Confirmed, Client, cancellationToken);

    public void Dispose()
    {
        Forget(Enrolment);
        Enrolment = null;
        Administrator = null;
        _grant = null;
    }

    // The circuit is gone or the user changed: the secret of an unfinished enrolment must not linger in memory.
    private static void Forget(NasDash.Security.Enrolment.PendingEnrolment? enrolment)
    {
        if (enrolment is not null)
        {
            CryptographicOperations.ZeroMemory(enrolment.Secret);
        }
    }
}
