using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace NasDash.Sessions;

/// <summary>
/// The one way for a page whose person changes their own credentials (password, second factor, a key removed,
/// enrolment). The change rotates the account's security stamp, which ends every session of that account at once; this
/// page is spared while the change runs (<see cref="SessionRevalidation.Spare"/>), then adopts the new stamp, and the
/// change's sign-in ticket renews this browser's cookie. Other tabs and browsers end as they should.
/// </summary>
public sealed class SessionRenewal(AuthenticationStateProvider authentication, IAccountStore accounts)
{
    /// <summary>Runs <paramref name="change"/>; when <paramref name="rotatedStamp"/> says it rotated the stamp, this page adopts the new one.</summary>
    public async Task<TResult> RunAsync<TResult>(Func<Task<TResult>> change, Func<TResult, bool> rotatedStamp)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(rotatedStamp);
        var revalidation = authentication as SessionRevalidation;
        using var spared = revalidation?.Spare();
        var result = await change();
        if (revalidation is not null && rotatedStamp(result) && await WithCurrentStampAsync(revalidation) is { } renewed)
        {
            revalidation.Adopt(renewed);
        }

        return result;
    }

    private async Task<ClaimsPrincipal?> WithCurrentStampAsync(AuthenticationStateProvider provider)
    {
        var user = (await provider.GetAuthenticationStateAsync()).User;
        var account = user.AccountId() is { } id ? accounts.FindById(id) : null;
        if (account is null || user.Identity is not ClaimsIdentity identity)
        {
            return null;
        }

        var claims = identity.Claims.Where(c => c.Type != SessionClaims.Stamp).Append(new Claim(SessionClaims.Stamp, account.SecurityStamp));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType));
    }
}
