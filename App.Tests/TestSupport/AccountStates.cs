using Microsoft.Extensions.Time.Testing;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// Puts an account into the state a scenario needs by the transitions that lead there, never by writing its
/// fields, so a test can only reach states the lockout machine can reach.
/// </summary>
public static class AccountStates
{
    private static readonly TwoFactorSettings Defaults = TwoFactorSettings.Defaults;

    /// <summary>A first backup-code submission: the account enters Recovery.</summary>
    public static Account StartRecovery(this Account account, DateTimeOffset now)
    {
        account.BackupSubmissionStarted(now, client: null);
        account.TakeFacts(); // set-up, not an event: nothing to notify
        return account;
    }

    /// <summary>Recovery with <paramref name="failures"/> failed backup-code submissions (fewer than N).</summary>
    public static Account FailBackupSubmissions(this Account account, int failures, DateTimeOffset now, TwoFactorSettings? settings = null)
    {
        account.StartRecovery(now);
        for (var i = 0; i < failures; i++)
        {
            account.BackupSubmissionFailed(settings ?? Defaults, now, client: null);
        }

        account.TakeFacts(); // set-up, not an event: nothing to notify
        return account;
    }

    /// <summary>N failed backup-code submissions: super-locked.</summary>
    public static Account SuperLock(this Account account, DateTimeOffset now, TwoFactorSettings? settings = null)
    {
        account.StartRecovery(now);
        while (account.State != AccountState.SuperLocked)
        {
            account.BackupSubmissionFailed(settings ?? Defaults, now, client: null);
        }

        account.TakeFacts(); // set-up, not an event: nothing to notify
        return account;
    }

    /// <summary><paramref name="failures"/> wrong TOTP codes in a row (fewer than T keeps it in Normal).</summary>
    public static Account FailTotp(this Account account, int failures, DateTimeOffset now, TwoFactorSettings? settings = null)
    {
        for (var i = 0; i < failures; i++)
        {
            account.TotpFailed(settings ?? Defaults, now, client: null);
        }

        account.TakeFacts(); // set-up, not an event: nothing to notify
        return account;
    }

    /// <summary><paramref name="failures"/> wrong passwords at <paramref name="now"/>: from the fifth, throttled.</summary>
    public static Account FailPasswords(this Account account, int failures, DateTimeOffset now)
    {
        for (var i = 0; i < failures; i++)
        {
            account.PasswordFailed(now);
        }

        account.TakeFacts(); // set-up, not an event: nothing to notify
        return account;
    }

    /// <summary>The console's unlock with a fresh enrolment code; returns the code the console would print.</summary>
    public static string UnlockAtConsole(this Account account, DateTimeOffset now)
    {
        var (code, stored, validUntil) = NewEnrolmentCode(now);
        account.ConsoleUnlock(now, stored, validUntil);
        return code;
    }

    /// <summary>An administrator's reset on /users with a fresh enrolment code; returns the code the page would show.</summary>
    public static string ResetByAdministrator(this Account account, DateTimeOffset now)
    {
        var (code, stored, validUntil) = NewEnrolmentCode(now);
        account.SecondFactorResetByAdministrator(now, stored, validUntil);
        return code;
    }

    private static (string Code, StoredBackupCodes Stored, DateTimeOffset ValidUntil) NewEnrolmentCode(DateTimeOffset now)
    {
        var time = new FakeTimeProvider(now);
        return new EnrolmentCodes(new BackupCodes(time, iterations: 10), new EnrolmentCodePolicy(EnrolmentCodePolicy.DefaultLifetime), time).New();
    }

    /// <summary>Drives the account into <paramref name="state"/> (Normal leaves it as it is).</summary>
    public static Account MoveTo(this Account account, AccountState state, DateTimeOffset now) => state switch
    {
        AccountState.Normal => account,
        AccountState.Recovery => account.StartRecovery(now),
        AccountState.SuperLocked => account.SuperLock(now),
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}

/// <summary>Saving an account a test put into a state: the moves' facts are set-up, not events, so nobody is notified.</summary>
public static class SetUpStore
{
    public static void SaveSetUp(this IAccountStore store, Account account)
    {
        account.TakeFacts();
        store.Update(account);
    }

    public static bool InsertSetUp(this IAccountStore store, Account account)
    {
        account.TakeFacts();
        return store.TryInsert(account);
    }
}
