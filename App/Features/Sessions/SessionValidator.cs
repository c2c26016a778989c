using System.Globalization;
using System.Security.Claims;
using NasDash.Hosting;
using NasDash.Security;

namespace NasDash.Features.Sessions;

public enum SessionVerdict
{
    Valid,
    /// <summary>The security stamp changed (reset, re-enrolment, super-lockout, console action) or the account is gone or locked.</summary>
    Revoked,
    /// <summary>No use for longer than the idle timeout.</summary>
    Idle,
    /// <summary>Older than the absolute lifetime.</summary>
    Expired,
}

/// <summary>Judges a signed-in principal on every request and, for open circuits, every few seconds.</summary>
public sealed class SessionValidator(IAccountStore accounts, ISettingsStore settings, SessionActivity activity, NasDashOptions options, TimeProvider time)
{
    public SessionVerdict Check(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return SessionVerdict.Valid;
        }

        var id = user.AccountId();
        var account = id is null ? null : accounts.FindById(id.Value);
        if (account is null || account.SecurityStamp != user.FindFirstValue(SessionClaims.Stamp) ||
            account.State == AccountState.SuperLocked || settings.Get().ApplianceLockedBy is not null)
        {
            return SessionVerdict.Revoked;
        }

        if (!long.TryParse(user.FindFirstValue(SessionClaims.IssuedAt), NumberStyles.Integer, CultureInfo.InvariantCulture, out var issued) ||
            time.GetUtcNow() - new DateTimeOffset(issued, TimeSpan.Zero) >= options.Session.AbsoluteLifetime)
        {
            return SessionVerdict.Expired;
        }

        return activity.IsActive(user.SessionIdOf()) ? SessionVerdict.Valid : SessionVerdict.Idle;
    }

    public static string AuditOutcome(SessionVerdict verdict) => verdict switch
    {
        SessionVerdict.Revoked => "revoked",
        SessionVerdict.Idle => "expired-idle",
        SessionVerdict.Expired => "expired-absolute",
        _ => "valid",
    };
}
