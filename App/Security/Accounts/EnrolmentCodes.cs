using System.Globalization;

namespace NasDash.Security.Accounts;

/// <summary>How long an enrolment code stays valid (<c>NasDash:Enrolment:CodeLifetime</c>).</summary>
public sealed record EnrolmentCodePolicy(TimeSpan CodeLifetime)
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(24);
}

/// <summary>An enrolment code as shown once to whoever reset or created the account.</summary>
public sealed record IssuedEnrolmentCode(string UserName, string Code, DateTimeOffset ValidUntil)
{
    public string ValidUntilText => ValidUntil.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The console's line of CONTRACT.md.</summary>
    public string ConsoleLine => $"Enrolment code for {UserName}: {Code} (valid until {ValidUntilText})";
}

/// <summary>
/// One-time enrolment codes: made and stored like a backup code (16 Crockford base32 characters, 80 bits, a
/// salted PBKDF2 hash), so that after a reset the password alone cannot enrol a new authenticator.
/// </summary>
public sealed class EnrolmentCodes(BackupCodes codes, EnrolmentCodePolicy policy, TimeProvider time)
{
    /// <summary>The command that issues a new code, as the login page names it.</summary>
    public static string ConsoleCommand(string userName) => $"nasdash console unlock {userName}";

    /// <summary>A code for an account that just became one that must enrol, replacing any older one.</summary>
    public IssuedEnrolmentCode IssueTo(Account account)
    {
        var (code, stored, validUntil) = New();
        account.EnrolmentCodeIssued(stored, validUntil);
        return new IssuedEnrolmentCode(account.UserName, code, validUntil);
    }

    /// <summary>A code not yet set on an account: for transitions that reset an account and set the code in one move.</summary>
    public (string Code, StoredBackupCodes Stored, DateTimeOffset ValidUntil) New()
    {
        var batch = codes.Generate(1);
        return (batch.Codes[0], batch.Stored, time.GetUtcNow() + policy.CodeLifetime);
    }
}
