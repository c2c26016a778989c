using System.Globalization;
using System.Security.Claims;
using NasDash.Hosting;

namespace NasDash.Sessions;

public enum SessionVerdict
{
    Valid,
    /// <summary>The security stamp changed (reset, re-enrolment, super-lockout, console action) or the account is gone or locked.</summary>
    Revoked,
    /// <summary>No use for longer than the idle timeout.</summary>
    Idle,
    /// <summary>This server has no record of the session's use: it ended here, or its activity was lost (see <see cref="SessionActivityFile"/>).</summary>
    ActivityUnknown,
    /// <summary>Older than the absolute lifetime.</summary>
    Expired,
}

/// <summary>Judges a signed-in principal on every request and, for open circuits, every few seconds.</summary>
public sealed class SessionValidator(IAccountStore accounts, ISettingsStore settings, SessionActivity activity, NasDashOptions options)
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
            !account.AdmitsSessions || settings.Get().ApplianceLockedBy is not null)
        {
            return SessionVerdict.Revoked;
        }

        return WithinLimits(user);
    }

    /// <summary>
    /// The limits this appliance keeps by itself (absolute lifetime, idle timeout): all that can be judged of a session
    /// while the store cannot be read.
    /// </summary>
    public SessionVerdict WithinLimits(ClaimsPrincipal user)
    {
        var session = user.SessionIdOf();
        if (IssuedAt(user) is not { } issued || activity.SignedInFor(session, issued) >= options.Session.AbsoluteLifetime)
        {
            return SessionVerdict.Expired;
        }

        return activity.IdleFor(session) is not { } idle ? SessionVerdict.ActivityUnknown
            : idle < options.Session.IdleTimeout ? SessionVerdict.Valid
            : SessionVerdict.Idle;
    }

    /// <summary>The audit log's reason for an ended session, in a line an administrator can check against the limits.</summary>
    public string? Why(ClaimsPrincipal? user, SessionVerdict verdict) => verdict switch
    {
        SessionVerdict.Idle when activity.LastSeen(user?.SessionIdOf()) is { } last =>
            FormattableString.Invariant($"last used {last:yyyy-MM-dd HH:mm:ss} UTC; the idle limit is {options.Session.IdleTimeout}"),
        SessionVerdict.Expired when user is not null && IssuedAt(user) is { } issued =>
            FormattableString.Invariant($"signed in {issued:yyyy-MM-dd HH:mm:ss} UTC; the absolute limit is {options.Session.AbsoluteLifetime}"),
        SessionVerdict.ActivityUnknown =>
            "this server has no record of the session's last use (it was lost in a restart that did not save it)",
        SessionVerdict.Revoked => "the account changed (reset, new second factor, password, lockout) or is locked",
        _ => null,
    };

    public static string AuditOutcome(SessionVerdict verdict) => verdict switch
    {
        SessionVerdict.Revoked => "revoked",
        SessionVerdict.Idle => "expired-idle",
        SessionVerdict.ActivityUnknown => "expired-activity-unknown",
        SessionVerdict.Expired => "expired-absolute",
        _ => "valid",
    };

    private static DateTimeOffset? IssuedAt(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(SessionClaims.IssuedAt), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks)
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : null;
}
