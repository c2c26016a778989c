using System.Security.Cryptography;

namespace NasDash.Security.Accounts;

/// <summary>
/// Persisted lockout state, stored by its name (the store's mapper writes enums as strings); the numbers stay as they
/// were when a never-stored Throttled = 1 sat between Normal and Recovery.
/// </summary>
public enum AccountState
{
    Normal = 0,
    Recovery = 2,
    SuperLocked = 3,
}

/// <summary>
/// What the status views show (console, API, dashboard, users page, metrics): the persisted state, or Throttled while
/// a Normal account's untrusted password bucket is paused. Computed from the account and the time, never stored.
/// </summary>
public enum LockoutStatus
{
    Normal,
    Throttled,
    Recovery,
    SuperLocked,
}

/// <summary>
/// A web administrator: credentials, its parts (<see cref="SecondFactor"/>, <see cref="EnrolmentCode"/>, the password
/// budgets) and the lockout state machine of DESIGN.md. Every change is a method that refuses an illegal move; what
/// each state accepts is asked of its queries, nowhere else. The methods only change this object and its parts and
/// report lockout events: the caller commits it before anyone sees a verdict.
/// </summary>
public sealed class Account
{
    // For the store's mapper, which sets the private setters from the stored document.
    private Account()
    {
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public string UserName { get; private set; } = "";
    /// <summary>Lower-invariant user name: the unique key, so "Alice" and "alice" are one account.</summary>
    public string NormalizedUserName { get; private set; } = "";
    public string PasswordHash { get; private set; } = "";
    public SecondFactor SecondFactor { get; private set; } = new();
    /// <summary>Registered WebAuthn credentials: an alternative to the TOTP code at sign-in, never a replacement for it.</summary>
    public IReadOnlyList<SecurityKey> SecurityKeys { get; private set; } = [];
    /// <summary>The administrator's own notification addresses, pending or confirmed (at most <see cref="NotificationAddress.MaxPerAccount"/>).</summary>
    public IReadOnlyList<NotificationAddress> NotificationAddresses { get; private set; } = [];

    public AccountState State { get; private set; } = AccountState.Normal;
    public DateTimeOffset StateSince { get; private set; }
    public DateTimeOffset? LockedUntil { get; private set; }
    public int PasswordFailures { get; private set; }
    public int TotpFailures { get; private set; }
    public int BackupFailures { get; private set; }

    /// <summary>Changing it ends every session of this user (cookies and open circuits).</summary>
    public string SecurityStamp { get; private set; } = NewStamp();
    /// <summary>Set by a recovery or a reset: the next sign-in must enrol a new TOTP secret and batch of codes.</summary>
    public bool MustEnrol { get; private set; }
    public bool MustChangePassword { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? LastSignInAt { get; private set; }

    public EnrolmentCode EnrolmentCode { get; private set; } = new();

    // The untrusted bucket, stored flat (PasswordFailures and LockedUntil) as since schema 3; moves read and write it whole.
    private PasswordBudget Untrusted
    {
        get => new(PasswordFailures, LockedUntil);
        set => (PasswordFailures, LockedUntil) = (value.Failures, value.PausedUntil);
    }

    /// <summary>Carried by every device cookie and API token of this account; bumping it revokes them all.</summary>
    public int DeviceGeneration { get; private set; }
    /// <summary>The password budgets of browsers holding a valid device cookie, each apart from the untrusted bucket.</summary>
    public List<DeviceBudget> DeviceBudgets { get; private set; } = [];

    // What the moves since the last commit changed: taken by SecurityLedger, which commits them with the account.
    private List<SecurityFact> _facts = [];

    /// <summary>Whether moves recorded facts that no commit has taken yet.</summary>
    internal bool HasUncommittedFacts => _facts.Count > 0;

    /// <summary>The facts recorded since the last call, in order; the ledger commits them with the account.</summary>
    public IReadOnlyList<SecurityFact> TakeFacts()
    {
        var taken = _facts;
        _facts = [];
        return taken;
    }

    /// <summary>Puts back facts a commit took but did not write (an insert refused because the name is taken).</summary>
    internal void RestoreFacts(IReadOnlyList<SecurityFact> facts) => _facts.InsertRange(0, facts);

    private void Record(SecurityFactKind kind, string? client = null, string? detail = null, DeliveryAddress? address = null) =>
        _facts.Add(new SecurityFact(kind, Id, UserName, client, detail) { Address = address });

    /// <summary>An administrator who has yet to enrol a second factor (created on /users, or before 2FA was required).</summary>
    public static Account Create(string userName, string passwordHash, DateTimeOffset now, bool mustEnrol = true, bool mustChangePassword = false)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(passwordHash))
        {
            throw new ArgumentException("An account needs a user name and a password hash.");
        }

        var name = userName.Trim();
        var account = new Account
        {
            UserName = name,
            NormalizedUserName = Normalize(name),
            PasswordHash = passwordHash,
            MustEnrol = mustEnrol,
            MustChangePassword = mustChangePassword,
            CreatedAt = now,
            StateSince = now,
        };
        return account;
    }

    /// <summary>The first administrator, whose enrolment the setup wizard completed before the account exists.</summary>
    public static Account CreateEnrolled(string userName, string passwordHash, DateTimeOffset now, string protectedSecret, long acceptedStep, StoredBackupCodes codes)
    {
        var account = Create(userName, passwordHash, now);
        account.Enrolled(protectedSecret, acceptedStep, codes);
        // Enrolled together with its creation: one fact, the creation.
        account._facts.RemoveAll(f => f.Kind == SecurityFactKind.SecondFactorEnrolled);
        return account;
    }

    /// <summary>
    /// Browsers without a valid device cookie (the untrusted bucket: <see cref="PasswordFailures"/>,
    /// <see cref="LockedUntil"/>) are refused unevaluated until <see cref="LockedUntil"/>, whatever the state.
    /// </summary>
    public bool IsThrottled(DateTimeOffset now) => Untrusted.PausedAt(now) is not null;

    /// <summary>The password budget a browser draws on: its own for a trusted device, else the untrusted bucket.</summary>
    public PasswordBudget PasswordBudgetOf(Guid? trustedDevice) =>
        trustedDevice is { } device ? BudgetOf(device)?.Budget ?? PasswordBudget.Full : Untrusted;

    /// <summary>Until when password attempts from this browser are refused: its own budget for a trusted device, else the untrusted bucket's.</summary>
    public DateTimeOffset? ThrottledUntil(Guid? trustedDevice, DateTimeOffset now) => PasswordBudgetOf(trustedDevice).PausedAt(now);

    /// <summary>The most password guesses browsers without a device cookie can have evaluated in any day (see <see cref="PasswordThrottle"/>).</summary>
    public static int UntrustedGuessesPerDayBound => PasswordThrottle.EvaluationsBound(TimeSpan.FromDays(1));

    /// <summary>The state as the status views show it at <paramref name="now"/>.</summary>
    public LockoutStatus LockoutStatusAt(DateTimeOffset now) => State switch
    {
        AccountState.SuperLocked => LockoutStatus.SuperLocked,
        AccountState.Recovery => LockoutStatus.Recovery,
        _ => IsThrottled(now) ? LockoutStatus.Throttled : LockoutStatus.Normal,
    };

    /// <summary>Only the console unlocks it: no sign-in, no session, no change is accepted.</summary>
    public bool IsSuperLocked => State == AccountState.SuperLocked;

    /// <summary>After a lockout event: only M backup codes sign in, and the authenticator and keys are not trusted.</summary>
    public bool InRecovery => State == AccountState.Recovery;

    /// <summary>Sessions and API tokens of this account stay valid (their stamp or generation matching) unless it is super-locked.</summary>
    public bool AdmitsSessions => !IsSuperLocked;

    /// <summary>A signed-in owner may choose a new password only in Normal: in Recovery they must enrol first.</summary>
    public bool MayChangePassword => State == AccountState.Normal;

    /// <summary>The SSH door (pam_nasdash.so) accepts the authenticator's code exactly when the web does.</summary>
    public bool AcceptsSshCode => AcceptsTotp;

    /// <summary>The owner may replace the authenticator or the backup codes: in Normal, with both enrolled.</summary>
    public bool MayRenewSecondFactor => State == AccountState.Normal && SecondFactor.IsEnrolled;

    /// <summary>An API token is minted in Normal with a second factor enrolled, which the step-up before it needs.</summary>
    public bool MayCreateApiToken => MayRenewSecondFactor;

    /// <summary>A TOTP code is evaluated only in Normal: in Recovery the authenticator is no longer trusted.</summary>
    public bool AcceptsTotp => State == AccountState.Normal && SecondFactor.HasTotp;

    /// <summary>Backup codes are evaluated in Normal (which starts a recovery) and in Recovery; never when super-locked.</summary>
    public bool AcceptsBackupCodes => State is AccountState.Normal or AccountState.Recovery && SecondFactor.BackupCodes is not null;

    /// <summary>Security keys are accepted only in Normal: Recovery trusts backup codes alone, and super-locked nothing.</summary>
    public bool AcceptsSecurityKeys => State == AccountState.Normal && SecurityKeys.Count > 0;

    /// <summary>A key is registered beside an enrolled authenticator (TOTP stays what the wizard and SSH use), up to a few.</summary>
    public bool MayAddSecurityKey => State == AccountState.Normal && SecondFactor.IsEnrolled && SecurityKeys.Count < MaxSecurityKeys;

    public const int MaxSecurityKeys = 10;

    /// <summary>A registered key may go, unless it is the last second factor while 2FA is required.</summary>
    public bool MayRemoveSecurityKey(Guid keyId, TwoFactorSettings settings) =>
        State == AccountState.Normal && SecurityKeys.Any(k => k.Id == keyId) &&
        (SecondFactor.HasTotp || SecurityKeys.Count > 1 || !settings.EnforceForAdministrators);

    public SecurityKey? FindSecurityKey(ReadOnlySpan<byte> credentialId)
    {
        foreach (var key in SecurityKeys)
        {
            if (key.Holds(credentialId))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Where a sign-in attempt leads now: refused while throttled, otherwise <see cref="AfterPassword"/>.</summary>
    public SignInGate MaySignIn(TwoFactorSettings settings, bool applianceLocked, DateTimeOffset now, Guid? trustedDevice = null) =>
        ThrottledUntil(trustedDevice, now) is not null ? SignInGate.Throttled : AfterPassword(settings, applianceLocked);

    /// <summary>What a correct password leads to under <paramref name="settings"/>: the one answer sign-in and the settings preview share.</summary>
    public SignInGate AfterPassword(TwoFactorSettings settings, bool applianceLocked) =>
        State == AccountState.SuperLocked || applianceLocked ? SignInGate.SuperLocked
        : !SecondFactor.IsEnrolled ? (MustEnrol ? SignInGate.EnrolmentCode : settings.EnforceForAdministrators ? SignInGate.MustEnrol : SignInGate.PasswordOnly)
        : State == AccountState.Recovery ? SignInGate.BackupCodes
        : SignInGate.Totp;

    /// <summary>Wrong TOTP codes still allowed before the next one moves the account to Recovery (0 when it no longer accepts TOTP).</summary>
    public int TotpFailuresLeft(TwoFactorSettings settings) =>
        AcceptsTotp ? Math.Max(1, settings.TotpFailuresBeforeRecovery - TotpFailures) : 0;

    /// <summary>Failed backup-code submissions still allowed, the last of which super-locks (0 once super-locked).</summary>
    public int SubmissionsLeftBeforeSuperLockout(TwoFactorSettings settings) =>
        State == AccountState.SuperLocked ? 0 : Math.Max(1, settings.MaxFailedBackupSubmissions - BackupFailures);

    /// <summary>Its set holds the M codes a recovery asks for, so losing the authenticator does not mean the console.</summary>
    public bool CanRecoverWithCodes(TwoFactorSettings settings) =>
        !SecondFactor.IsEnrolled || SecondFactor.BackupCodesInSet >= settings.RequiredCodesAtRecovery;

    /// <summary>
    /// A wrong password: only throttles, never moves the second-factor counters. From a trusted device it drains
    /// that device's budget alone, so nobody else's failures can keep the owner's browser out.
    /// </summary>
    public void PasswordFailed(DateTimeOffset now, Guid? trustedDevice = null)
    {
        if (trustedDevice is { } device)
        {
            BudgetFor(device, now).Failed(now);
            return;
        }

        Untrusted = Untrusted.Failed(now);
    }

    /// <summary>
    /// A correct password clears the password counter of its own bucket only (aspnet/Identity#1353): the owner's
    /// device signing in does not hand untrusted browsers a fresh budget.
    /// </summary>
    public void PasswordSucceeded(string? upgradedHash = null, Guid? trustedDevice = null)
    {
        if (trustedDevice is { } device)
        {
            DeviceBudgets.RemoveAll(b => b.DeviceId == device);
        }
        else
        {
            Untrusted = PasswordBudget.Full;
        }

        if (upgradedHash is not null)
        {
            PasswordHash = upgradedHash;
        }
    }

    /// <summary>Signed in on the password alone: allowed only while nothing asks for a second factor.</summary>
    public void SignedInWithPasswordOnly(TwoFactorSettings settings, DateTimeOffset now)
    {
        if (SecondFactor.IsEnrolled || MustEnrol || settings.EnforceForAdministrators || State != AccountState.Normal)
        {
            throw new InvalidOperationException($"{UserName} needs a second factor to sign in.");
        }

        LastSignInAt = now;
    }

    /// <summary>A new password chosen by the user or set at the console: ends the password throttle and every session.</summary>
    public void PasswordChanged(string newHash)
    {
        PasswordSucceeded(newHash);
        MustChangePassword = false;
        RevokeDevices();
        RotateSecurityStamp();
        Record(SecurityFactKind.PasswordChanged);
    }

    /// <summary>
    /// Someone holding a notice about this account disowns its event: every session ends, and every notification address
    /// added in the <paramref name="suspectWindow"/> before that event or after it goes, since an intruder's first step is an
    /// address of their own (the owner's older addresses stay; the owner adds a new one again after a step-up).
    /// </summary>
    public void ReportedNotMine(string? client, string? detail, DateTimeOffset eventAt, TimeSpan suspectWindow)
    {
        RotateSecurityStamp();
        Record(SecurityFactKind.ReportedNotMine, client, detail);
        foreach (var address in NotificationAddresses.Where(a => a.AddedAt >= eventAt - suspectWindow).ToList())
        {
            RemoveNotificationAddress(address, client);
        }
    }

    /// <summary>Another administrator requires a new password at the next sign-in; their sessions end.</summary>
    public void RequirePasswordChange()
    {
        RefuseIfSuperLocked();
        MustChangePassword = true;
        RotateSecurityStamp();
        Record(SecurityFactKind.PasswordChangeRequired);
    }

    public void TotpAccepted(long step, DateTimeOffset now, bool signsIn = true)
    {
        if (!AcceptsTotp || !SecondFactor.IsFresh(step))
        {
            throw new InvalidOperationException($"{UserName} cannot accept a TOTP code for step {step} now.");
        }

        TotpFailures = 0;
        SecondFactor.TotpAccepted(step);
        LastSignInAt = signsIn ? now : LastSignInAt;
    }

    /// <summary>
    /// A right code for a time the clock is not at: not counted as a failure, and a step still to come is never accepted
    /// (see <see cref="SecondFactor.ClockOffSteps"/>).
    /// </summary>
    public void TotpClockOff(long step, long currentStep, int window)
    {
        if (!AcceptsTotp)
        {
            throw new InvalidOperationException($"{UserName} does not accept TOTP codes now.");
        }

        SecondFactor.TotpClockOff(step, currentStep, window);
    }

    /// <summary>A wrong or replayed code; the T-th in a row moves the account to Recovery (a lockout event).</summary>
    public LockoutEvent? TotpFailed(TwoFactorSettings settings, DateTimeOffset now, string? client)
    {
        if (!AcceptsTotp)
        {
            throw new InvalidOperationException($"{UserName} does not accept TOTP codes now.");
        }

        TotpFailures++;
        if (TotpFailures < settings.TotpFailuresBeforeRecovery)
        {
            return null;
        }

        Move(AccountState.Recovery, now);
        Record(SecurityFactKind.MovedToRecovery, client);
        return new LockoutEvent(LockoutEventKind.MovedToRecovery, Id, UserName, client, now);
    }

    /// <summary>The first backup-code submission of a recovery is itself a lockout event.</summary>
    public LockoutEvent? BackupSubmissionStarted(DateTimeOffset now, string? client)
    {
        RefuseUnlessAcceptsBackupCodes();
        if (State != AccountState.Normal)
        {
            return null;
        }

        Move(AccountState.Recovery, now);
        Record(SecurityFactKind.RecoveryStarted, client);
        return new LockoutEvent(LockoutEventKind.RecoveryStarted, Id, UserName, client, now);
    }

    /// <summary>A submission with any wrong code; the N-th in a row super-locks and ends every session.</summary>
    public LockoutEvent? BackupSubmissionFailed(TwoFactorSettings settings, DateTimeOffset now, string? client)
    {
        RefuseUnlessAcceptsBackupCodes();
        BackupFailures++;
        if (BackupFailures < settings.MaxFailedBackupSubmissions)
        {
            return null;
        }

        Move(AccountState.SuperLocked, now);
        RotateSecurityStamp();
        Record(SecurityFactKind.SuperLockedByBackupCodes, client);
        return new LockoutEvent(LockoutEventKind.SuperLocked, Id, UserName, client, now);
    }

    /// <summary>
    /// M valid codes: signed in, but TOTP and the whole batch are no longer trusted, so both are
    /// dropped and the user must enrol again before anything else.
    /// </summary>
    public void RecoverySucceeded(DateTimeOffset now)
    {
        RefuseUnlessAcceptsBackupCodes();
        ClearSecondFactor();
        LastSignInAt = now;
        Move(AccountState.Normal, now);
        Record(SecurityFactKind.RecoverySucceeded);
    }

    /// <summary>
    /// The console's unlock: lifts every lock, the password throttle included, resets the second factor, revokes
    /// every device cookie, and sets the enrolment code the operator hands over.
    /// </summary>
    public void ConsoleUnlock(DateTimeOffset now, StoredBackupCodes enrolmentCode, DateTimeOffset codeExpiresAt)
    {
        ClearSecondFactor();
        Untrusted = PasswordBudget.Full;
        RevokeDevices();
        Move(AccountState.Normal, now);
        SetEnrolmentCode(enrolmentCode, codeExpiresAt);
        Record(SecurityFactKind.ConsoleUnlocked);
    }

    /// <summary>
    /// Another administrator reset this user's second factor from the web: like the console's unlock, but a
    /// super-locked account is refused (only the console lifts that) and the untrusted password bucket is left alone.
    /// </summary>
    public void SecondFactorResetByAdministrator(DateTimeOffset now, StoredBackupCodes enrolmentCode, DateTimeOffset codeExpiresAt)
    {
        RefuseIfSuperLocked();
        ClearSecondFactor();
        RevokeDevices();
        Move(AccountState.Normal, now);
        SetEnrolmentCode(enrolmentCode, codeExpiresAt);
        Record(SecurityFactKind.SecondFactorReset);
    }

    /// <summary>A new one-time enrolment code for an account that must enrol; it replaces any older one.</summary>
    public void EnrolmentCodeIssued(StoredBackupCodes code, DateTimeOffset expiresAt)
    {
        SetEnrolmentCode(code, expiresAt);
        Record(SecurityFactKind.EnrolmentCodeIssued);
    }

    private void SetEnrolmentCode(StoredBackupCodes code, DateTimeOffset expiresAt)
    {
        RefuseIfSuperLocked();
        if (SecondFactor.IsEnrolled || !MustEnrol)
        {
            throw new InvalidOperationException($"{UserName} does not wait for enrolment; no enrolment code can be issued.");
        }

        EnrolmentCode.Issued(code, expiresAt);
    }

    /// <summary>After the password, an account that must enrol is asked for its enrolment code (<see cref="SignInGate.EnrolmentCode"/>).</summary>
    public bool AcceptsEnrolmentCode(DateTimeOffset now) =>
        State == AccountState.Normal && MustEnrol && !SecondFactor.IsEnrolled && EnrolmentCode.IsValidAt(now);

    /// <summary>The right code: used up, and the stamp rotates so that only the session it opens may enrol.</summary>
    public void EnrolmentCodeAccepted(DateTimeOffset now)
    {
        RefuseUnlessAcceptsEnrolmentCode(now);
        EnrolmentCode.UsedUp();
        BackupFailures = 0;
        LastSignInAt = now;
        RotateSecurityStamp();
    }

    /// <summary>
    /// A wrong password from someone who presented the valid enrolment code: drains the code's own budget (the shape of
    /// <see cref="PasswordThrottle"/>), never the untrusted bucket, and never a second-factor counter.
    /// </summary>
    public void EnrolmentCodePasswordFailed(DateTimeOffset now)
    {
        RefuseUnlessAcceptsEnrolmentCode(now);
        EnrolmentCode.PasswordFailed(now);
    }

    /// <summary>A wrong enrolment code counts as a failed backup-code submission: the N-th in a row super-locks.</summary>
    public LockoutEvent? EnrolmentCodeFailed(TwoFactorSettings settings, DateTimeOffset now, string? client)
    {
        RefuseUnlessAcceptsEnrolmentCode(now);
        BackupFailures++;
        if (BackupFailures < settings.MaxFailedBackupSubmissions)
        {
            return null;
        }

        Move(AccountState.SuperLocked, now);
        RotateSecurityStamp();
        Record(SecurityFactKind.SuperLockedByEnrolmentCodes, client);
        return new LockoutEvent(LockoutEventKind.SuperLocked, Id, UserName, client, now);
    }

    /// <summary>A verified new credential. Adding a factor takes nothing from the owner, so sessions stay.</summary>
    public void SecurityKeyAdded(SecurityKey key)
    {
        if (!MayAddSecurityKey)
        {
            throw new InvalidOperationException($"{UserName} cannot register a security key now.");
        }

        if (FindSecurityKey(key.CredentialId) is not null)
        {
            throw new InvalidOperationException($"{UserName} already registered that security key.");
        }

        SecurityKeys = [.. SecurityKeys, key];
        Record(SecurityFactKind.SecurityKeyAdded, detail: key.Name);
    }

    /// <summary>An assertion verified under the account's lock: its counter must advance past the stored one.</summary>
    public void SecurityKeyUsed(Guid keyId, uint signatureCounter, DateTimeOffset now)
    {
        var key = SecurityKeys.FirstOrDefault(k => k.Id == keyId);
        if (!AcceptsSecurityKeys || key is null)
        {
            throw new InvalidOperationException($"{UserName} does not accept that security key now.");
        }

        key.Used(signatureCounter, now);
        LastSignInAt = now;
    }

    /// <summary>
    /// A key taken away (lost, or given to someone else): sessions end, as it may have opened one. Never the last
    /// second factor while 2FA is required.
    /// </summary>
    public void SecurityKeyRemoved(Guid keyId, TwoFactorSettings settings)
    {
        if (!MayRemoveSecurityKey(keyId, settings))
        {
            throw new InvalidOperationException($"{UserName} cannot remove that security key now: it is unknown, or the last second factor.");
        }

        var removed = SecurityKeys.First(k => k.Id == keyId);
        SecurityKeys = [.. SecurityKeys.Where(k => k.Id != keyId)];
        RotateSecurityStamp();
        Record(SecurityFactKind.SecurityKeyRemoved, detail: removed.Name);
    }

    /// <summary>Addresses are kept in Normal only: a locked or recovering account changes nothing but its way back in.</summary>
    public bool MayAddNotificationAddress => State == AccountState.Normal && NotificationAddresses.Count < NotificationAddress.MaxPerAccount;

    public NotificationAddress? FindNotificationAddress(Guid addressId) => NotificationAddresses.FirstOrDefault(a => a.Id == addressId);

    /// <summary>A new pending address; its code goes to it, and only a confirmed address receives notices.</summary>
    public void NotificationAddressAdded(NotificationAddress address, string? client)
    {
        if (!MayAddNotificationAddress)
        {
            throw new InvalidOperationException($"{UserName} cannot add a notification address now.");
        }

        if (FindNotificationAddress(address.Id) is not null)
        {
            throw new InvalidOperationException($"{UserName} holds that notification address already.");
        }

        NotificationAddresses = [.. NotificationAddresses, address];
        Record(SecurityFactKind.NotificationAddressAdded, client, address.Describe(), address.Target(UserName));
    }

    /// <summary>A new code for a pending address, replacing the one before (returned, to be sent to it and never stored).</summary>
    public string NotificationAddressCodeRenewed(Guid addressId, DateTimeOffset now)
    {
        var address = FindNotificationAddress(addressId);
        if (State != AccountState.Normal || address is not { MaySendCode: true })
        {
            throw new InvalidOperationException($"{UserName} cannot get a new code for that address now.");
        }

        return address.NewCode(now);
    }

    /// <summary>A code entered for a pending address: right confirms it (a fact), wrong counts a try.</summary>
    public AddressCodeCheck NotificationAddressCodeEntered(Guid addressId, string code, DateTimeOffset now, string? client)
    {
        var address = FindNotificationAddress(addressId);
        if (State != AccountState.Normal || address is null)
        {
            throw new InvalidOperationException($"{UserName} cannot confirm that address now.");
        }

        var check = address.Check(code, now);
        if (check == AddressCodeCheck.Confirmed)
        {
            Record(SecurityFactKind.NotificationAddressConfirmed, client, address.Describe(), address.Target(UserName));
        }

        return check;
    }

    /// <summary>An address taken away; a confirmed one is told of its own removal.</summary>
    public void NotificationAddressRemoved(Guid addressId, string? client)
    {
        var address = FindNotificationAddress(addressId);
        if (State != AccountState.Normal || address is null)
        {
            throw new InvalidOperationException($"{UserName} cannot remove that address now.");
        }

        RemoveNotificationAddress(address, client);
    }

    private void RemoveNotificationAddress(NotificationAddress address, string? client)
    {
        NotificationAddresses = [.. NotificationAddresses.Where(a => a.Id != address.Id)];
        Record(SecurityFactKind.NotificationAddressRemoved, client, address.Describe(), address.IsConfirmed ? address.Target(UserName) : null);
    }

    /// <summary>A completed enrolment: new secret and batch are in place, other sessions end.</summary>
    public void Enrolled(string protectedSecret, long acceptedStep, StoredBackupCodes codes)
    {
        RefuseIfSuperLocked();
        EnrolmentCode.UsedUp();
        SecondFactor.Enrolled(protectedSecret, acceptedStep, codes);
        MustEnrol = false;
        TotpFailures = 0;
        BackupFailures = 0;
        RotateSecurityStamp();
        Record(SecurityFactKind.SecondFactorEnrolled);
    }

    /// <summary>The user verified a new authenticator; the old secret stops working now.</summary>
    public void AuthenticatorRenewed(string protectedSecret, long acceptedStep)
    {
        RefuseUnlessRenewable();
        SecondFactor.AuthenticatorRenewed(protectedSecret, acceptedStep);
        TotpFailures = 0;
        RotateSecurityStamp();
        Record(SecurityFactKind.AuthenticatorRenewed);
    }

    /// <summary>A new set of backup codes replaces the old one as a whole.</summary>
    public void BackupCodesRenewed(StoredBackupCodes codes)
    {
        RefuseUnlessRenewable();
        SecondFactor.BackupCodesRenewed(codes);
        BackupFailures = 0;
        RotateSecurityStamp();
        Record(SecurityFactKind.BackupCodesRenewed);
    }

    public static string Normalize(string userName) => userName.Trim().ToLowerInvariant();

    public Account Clone()
    {
        var copy = (Account)MemberwiseClone();
        copy.SecondFactor = SecondFactor.Clone();
        copy.EnrolmentCode = EnrolmentCode.Clone();
        copy.DeviceBudgets = DeviceBudgets.Select(b => b.Clone()).ToList();
        copy.SecurityKeys = [.. SecurityKeys.Select(k => k.Clone())];
        copy.NotificationAddresses = [.. NotificationAddresses.Select(a => a.Clone())];
        copy._facts = [.. _facts];
        return copy;
    }

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private void RotateSecurityStamp() => SecurityStamp = NewStamp();

    private void RevokeDevices()
    {
        DeviceGeneration++;
        DeviceBudgets.Clear();
    }

    private DeviceBudget? BudgetOf(Guid device) => DeviceBudgets.Find(b => b.DeviceId == device);

    private DeviceBudget BudgetFor(Guid device, DateTimeOffset now)
    {
        if (BudgetOf(device) is { } known)
        {
            return known;
        }

        // Bounded: a forgotten device whose budget is dropped only gets back the small budget of a trusted device.
        if (DeviceBudgets.Count >= DeviceBudget.MaxKept)
        {
            DeviceBudgets.Remove(DeviceBudgets.MinBy(b => b.LastFailureAt)!);
        }

        var budget = DeviceBudget.For(device, now);
        DeviceBudgets.Add(budget);
        return budget;
    }

    private void RefuseUnlessAcceptsEnrolmentCode(DateTimeOffset now)
    {
        if (!AcceptsEnrolmentCode(now))
        {
            throw new InvalidOperationException($"{UserName} does not accept an enrolment code now.");
        }
    }

    private void ClearSecondFactor()
    {
        SecondFactor.Cleared();
        SecurityKeys = [];
        MustEnrol = true;
        TotpFailures = 0;
        BackupFailures = 0;
        RotateSecurityStamp();
    }

    private void Move(AccountState state, DateTimeOffset now)
    {
        State = state;
        StateSince = now;
    }

    private void RefuseIfSuperLocked()
    {
        if (IsSuperLocked)
        {
            throw new InvalidOperationException("A super-locked account can only be unlocked at the appliance console.");
        }
    }

    private void RefuseUnlessAcceptsBackupCodes()
    {
        if (!AcceptsBackupCodes)
        {
            throw new InvalidOperationException($"{UserName} does not accept backup codes now.");
        }
    }

    private void RefuseUnlessRenewable()
    {
        if (!MayRenewSecondFactor)
        {
            throw new InvalidOperationException($"{UserName} has no second factor that can be renewed now.");
        }
    }
}
