using System.Security.Claims;

namespace NasDash.Sessions;

/// <summary>Claims NasDash puts in its cookie.</summary>
public static class SessionClaims
{
    public const string Stamp = "nasdash:stamp";
    /// <summary>Present on the cookie of a user who must enrol before anything else.</summary>
    public const string EnrolmentPending = "nasdash:enrolment";
    public const string IssuedAt = "nasdash:issued";
    /// <summary>Random per sign-in; keys the session's last activity for the idle timeout.</summary>
    public const string SessionId = "nasdash:sid";
    /// <summary>The policy that admits a user who still has to enrol (only the enrolment page uses it).</summary>
    public const string EnrolmentPolicy = "enrolment";
    /// <summary>The policy that admits a user whose password change is due (only "My account" uses it).</summary>
    public const string PasswordChangePolicy = "password-change";

    public static Guid? AccountId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static string? SessionIdOf(this ClaimsPrincipal user) => user.FindFirstValue(SessionId);

    public static bool IsEnrolmentPending(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == EnrolmentPending);
}
