
namespace NasDash.Features.Dashboard;

public sealed record LockedAccount(string UserName, LockoutStatus State, DateTimeOffset StateSince, DateTimeOffset? LockedUntil);

/// <summary>An account whose sign-in attempts were refused within the last hour: an attack in progress.</summary>
public sealed record RefusedAttempts(string UserName, int InLastHour);

/// <summary>The dashboard's security card: who has 2FA, who is locked, SSH.</summary>
public sealed record SecuritySummary(
    int Administrators,
    int WithSecondFactor,
    IReadOnlyList<string> WithoutSecondFactor,
    IReadOnlyList<LockedAccount> Locked,
    string? ApplianceLockedBy,
    int OpenAlerts,
    bool SshLoginDisabled,
    DateTimeOffset? SshDisabledAt,
    bool SshTwoFactor,
    IReadOnlyList<RefusedAttempts> Refused)
{
    public static SecuritySummary Of(IReadOnlyList<Account> accounts, ApplianceSettings settings, int openAlerts, DateTimeOffset now,
        Func<Guid, int>? refusedInLastHour = null)
    {
        return new SecuritySummary(
            accounts.Count,
            accounts.Count(a => a.SecondFactor.IsEnrolled),
            accounts.Where(a => !a.SecondFactor.IsEnrolled).Select(a => a.UserName).ToList(),
            accounts.Where(a => a.LockoutStatusAt(now) != LockoutStatus.Normal)
                .Select(a => new LockedAccount(a.UserName, a.LockoutStatusAt(now), a.StateSince, a.LockedUntil)).ToList(),
            settings.ApplianceLockedBy,
            openAlerts,
            settings.Ssh.LoginDisabled,
            settings.Ssh.DisabledAt,
            settings.TwoFactor.SshTwoFactor,
            refusedInLastHour is null ? [] : accounts.Select(a => new RefusedAttempts(a.UserName, refusedInLastHour(a.Id))).Where(r => r.InLastHour > 0).ToList());
    }
}
