using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace NasDash.Tests.TestSupport;

/// <summary>An authentication state a bUnit test sets: anonymous until <see cref="SignIn"/>.</summary>
public sealed class TestAuthentication : AuthenticationStateProvider
{
    private ClaimsPrincipal _user = new(new ClaimsIdentity());

    public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(_user));

    public void SignIn(string userName, params Claim[] claims)
    {
        _user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, userName), .. claims], "test"));
        NotifyAuthenticationStateChanged(GetAuthenticationStateAsync());
    }
}
