using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace NasDash.Sessions;

/// <summary>
/// Met unless the signed-in account must choose a new password. The default policy requires it, so such a session
/// reaches only the pages whose policy (<see cref="SessionClaims.PasswordChangePolicy"/>) leaves it out: "My account".
/// Read from the store, not the cookie, so it holds from the moment the flag is set, on every request and every
/// route a circuit renders.
/// </summary>
public sealed class PasswordChangeNotDue : IAuthorizationRequirement
{
    public static bool IsDue(IAccountStore accounts, ClaimsPrincipal user) =>
        user.AccountId() is { } id && accounts.FindById(id)?.MustChangePassword == true;
}

internal sealed class PasswordChangeHandler(IAccountStore accounts) : AuthorizationHandler<PasswordChangeNotDue>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PasswordChangeNotDue requirement)
    {
        if (!PasswordChangeNotDue.IsDue(accounts, context.User))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
