namespace NasDash.Security.Enrolment;

public abstract record EnrolmentResult
{
    private EnrolmentResult()
    {
    }

    /// <summary>Saved. The account's stamp changed (other sessions end); the ticket signs this browser in again.</summary>
    public sealed record Completed(Guid AccountId, string SignInTicket) : EnrolmentResult;
    public sealed record NotReady(string Message) : EnrolmentResult;
    public sealed record AccountGone : EnrolmentResult;
    /// <summary>The account was reset, or enrolled from another browser, since this session began: sign in again.</summary>
    public sealed record SessionChanged : EnrolmentResult;
}

/// <summary>
/// Enrolment of a TOTP secret and a backup-code batch: used by setup, by the forced re-enrolment after a
/// recovery or console reset, and by "My account". Nothing reaches the store until the code was verified,
/// the codes were downloaded and the user confirmed storing them; then everything is saved at once.
/// </summary>
public sealed class EnrolmentService(
    IAccountStore accounts,
    ISettingsStore settings,
    AccountLocks locks,
    TotpVerifier totp,
    BackupCodes backupCodes,
    SecretProtector secrets,
    PendingSignIns pending,
    SecurityEvents events,
    SecurityLedger ledger,
    ApplianceIdentity appliance,
    IAuditLog audit,
    TimeProvider time)
{
    public PendingEnrolment Start(string userName) => new(userName, appliance.HostName, TotpVerifier.NewSecret());

    /// <summary>A new authenticator for an enrolled user; the old secret keeps working until the new one verified and completed.</summary>
    public PendingEnrolment StartAuthenticatorRenewal(string userName) =>
        new(userName, appliance.HostName, TotpVerifier.NewSecret(), EnrolmentPurpose.Authenticator);

    /// <summary>A new batch of backup codes for an enrolled user; the old batch works until the new one was downloaded and confirmed.</summary>
    public PendingEnrolment StartBackupCodesRenewal(string userName) =>
        new(userName, appliance.HostName, [], EnrolmentPurpose.BackupCodes);

    /// <summary>
    /// Checks a code from the app being enrolled. Not counted: nothing is protected by it yet; but a wrong code is
    /// audited, since a run of them at setup is someone guessing, or a clock that is off.
    /// </summary>
    public TotpOutcome VerifyTotp(PendingEnrolment enrolment, string? code, string? client = null)
    {
        if (enrolment.Purpose == EnrolmentPurpose.BackupCodes)
        {
            throw new InvalidOperationException("This enrolment renews backup codes only.");
        }

        var check = totp.Verify(enrolment.Secret, code, enrolment.VerifiedStep ?? -1, settings.Get().TwoFactor.TotpWindow);
        if (check.Outcome == TotpOutcome.Accepted)
        {
            enrolment.VerifiedStep = check.Step;
        }
        else if (check.Outcome != TotpOutcome.Malformed)
        {
            audit.Append(new AuditEvent
            {
                At = time.GetUtcNow(),
                UserName = enrolment.UserName,
                ClientAddress = client,
                Event = AuditNames.EnrolmentAuthenticatorCheck.Id,
                Outcome = check.Outcome == TotpOutcome.Replayed ? "replayed" : "failed",
                Detail = enrolment.Purpose == EnrolmentPurpose.Authenticator
                    ? "wrong code from the new authenticator app"
                    : "wrong code from the authenticator app being set up",
            });
        }

        return check.Outcome;
    }

    /// <summary>Generates the batch once per enrolment; later calls return the same codes.</summary>
    public IReadOnlyList<string> IssueCodes(PendingEnrolment enrolment)
    {
        if (enrolment.Purpose == EnrolmentPurpose.Authenticator)
        {
            throw new InvalidOperationException("This enrolment renews the authenticator only.");
        }

        if (!enrolment.TotpVerified && enrolment.Purpose == EnrolmentPurpose.Full)
        {
            throw new InvalidOperationException("Verify the authenticator before generating backup codes.");
        }

        if (enrolment.Batch is null)
        {
            var policy = settings.Get().TwoFactor;
            enrolment.Batch = backupCodes.Generate(policy.CodesPerUser);
            enrolment.RequiredAtRecovery = policy.RequiredCodesAtRecovery;
        }

        return enrolment.Batch.Codes;
    }

    /// <param name="applianceUrl">The address the person reached the dashboard at, printed so the sheet says where it belongs.</param>
    public string TextFile(PendingEnrolment enrolment, string applianceUrl) => BackupCodeFiles.Text(Sheet(enrolment, applianceUrl));

    public string JsonFile(PendingEnrolment enrolment, string applianceUrl) => BackupCodeFiles.Json(Sheet(enrolment, applianceUrl));

    /// <summary>The codes with everything the printed or downloaded sheet says about them.</summary>
    public BackupCodeSheet Sheet(PendingEnrolment enrolment, string applianceUrl)
    {
        var batch = enrolment.Batch ?? throw new InvalidOperationException("No backup codes were generated.");
        return new BackupCodeSheet(enrolment.Host, applianceUrl, enrolment.UserName, batch.Stored.GeneratedAt, enrolment.RequiredAtRecovery, batch.Codes);
    }

    /// <summary>Called after the browser received a download of this enrolment's codes.</summary>
    public void MarkDownloaded(PendingEnrolment enrolment)
    {
        if (enrolment.Batch is not null)
        {
            enrolment.Downloaded = true;
        }
    }

    /// <summary>The stored form of the enrolment, for setup to insert with the new account.</summary>
    public (string ProtectedSecret, long Step, StoredBackupCodes Codes) Seal(PendingEnrolment enrolment, bool confirmed)
    {
        if (enrolment.Purpose != EnrolmentPurpose.Full)
        {
            throw new InvalidOperationException("Only a full enrolment can be sealed for a new account.");
        }

        if (!enrolment.CanComplete(confirmed))
        {
            throw new InvalidOperationException(Missing(enrolment, confirmed));
        }

        return (secrets.Protect(enrolment.Secret), enrolment.VerifiedStep!.Value, enrolment.Batch!.Stored);
    }

    /// <summary>
    /// Gives an account that waits for enrolment the enrolled TOTP secret and backup codes, only from the session
    /// that earned it (<paramref name="sessionStamp"/> still the account's stamp): a reset, or an enrolment code
    /// used by another browser, in between makes it refuse.
    /// </summary>
    public async Task<EnrolmentResult> CompleteAsync(PendingEnrolment enrolment, Guid accountId, string? sessionStamp, bool confirmed, string? client, CancellationToken cancellationToken = default)
    {
        if (enrolment.Purpose != EnrolmentPurpose.Full)
        {
            throw new InvalidOperationException("A renewal completes through CompleteRenewalAsync.");
        }

        if (!enrolment.CanComplete(confirmed))
        {
            return new EnrolmentResult.NotReady(Missing(enrolment, confirmed));
        }

        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        if (locked is null)
        {
            return new EnrolmentResult.AccountGone();
        }

        var account = locked.Account;

        if (account.IsSuperLocked)
        {
            return new EnrolmentResult.NotReady("This account is super-locked; only the appliance console can unlock it.");
        }

        if (account.SecurityStamp != sessionStamp || account.SecondFactor.IsEnrolled ||
            account.NormalizedUserName != Account.Normalize(enrolment.UserName))
        {
            return new EnrolmentResult.SessionChanged();
        }

        var (protectedSecret, step, codes) = Seal(enrolment, confirmed);
        account.Enrolled(protectedSecret, step, codes);
        ledger.Commit(account, new AuditEvent
        {
            At = time.GetUtcNow(),
            UserName = account.UserName,
            ClientAddress = client,
            Event = AuditNames.EnrolmentCompleted.Id,
            Outcome = "succeeded",
            Detail = $"new TOTP secret and {codes.Total} backup codes",
        });
        enrolment.Completed = true;
        events.EndSessions(account.Id);
        return new EnrolmentResult.Completed(account.Id, pending.IssueTicket(account, enrolment: false));
    }

    /// <summary>
    /// Replaces only the authenticator or only the backup codes of an enrolled account in Normal state. The
    /// stamp rotates, so the user's other sessions end; the ticket signs this browser in again.
    /// </summary>
    public async Task<EnrolmentResult> CompleteRenewalAsync(PendingEnrolment enrolment, Guid accountId, bool confirmed, string? client, CancellationToken cancellationToken = default)
    {
        if (enrolment.Purpose == EnrolmentPurpose.Full)
        {
            throw new InvalidOperationException("A full enrolment completes through CompleteAsync.");
        }

        if (!enrolment.CanComplete(confirmed))
        {
            return new EnrolmentResult.NotReady(Missing(enrolment, confirmed));
        }

        using var locked = await locks.LockAsync(accounts, accountId, cancellationToken);
        var account = locked?.Account;
        if (account is null || account.NormalizedUserName != Account.Normalize(enrolment.UserName))
        {
            return new EnrolmentResult.AccountGone();
        }

        if (!account.MayRenewSecondFactor)
        {
            return new EnrolmentResult.NotReady("Your account is locked or has no second factor to renew; sign in again.");
        }

        string detail;
        if (enrolment.Purpose == EnrolmentPurpose.Authenticator)
        {
            account.AuthenticatorRenewed(secrets.Protect(enrolment.Secret), enrolment.VerifiedStep!.Value);
            detail = "new TOTP secret; the previous one no longer works";
        }
        else
        {
            var codes = enrolment.Batch!.Stored;
            account.BackupCodesRenewed(codes);
            detail = $"new set of {codes.Total} backup codes; the previous set no longer works";
        }

        ledger.Commit(account, new AuditEvent
        {
            At = time.GetUtcNow(),
            UserName = account.UserName,
            ClientAddress = client,
            Event = enrolment.Purpose == EnrolmentPurpose.Authenticator ? AuditNames.EnrolmentTotpRenewed.Id : AuditNames.EnrolmentCodesRenewed.Id,
            Outcome = "succeeded",
            Detail = detail,
        });
        enrolment.Completed = true;
        events.EndSessions(account.Id);
        return new EnrolmentResult.Completed(account.Id, pending.IssueTicket(account, enrolment: false));
    }

    private static string Missing(PendingEnrolment enrolment, bool confirmed) =>
        enrolment.Completed ? "This enrolment is already complete."
        : !enrolment.TotpVerified && enrolment.Purpose != EnrolmentPurpose.BackupCodes ? "Verify a code from your authenticator app first."
        : enrolment.Batch is null ? "Generate the backup codes first."
        : !enrolment.Downloaded ? "Download the backup codes (.txt or .json) before finishing."
        : !confirmed ? "Confirm that you stored the backup codes somewhere safe."
        : "This enrolment is already complete.";
}
