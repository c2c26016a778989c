using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// A circuit's scope without a circuit, for scoped services that act for <see cref="CurrentActor"/>: the administrator
/// signed in (the claims the session cookie carries, as <see cref="NasDashTestContext.SignIn"/> gives bUnit) from one address.
/// </summary>
public static class ActingAdministrator
{
    /// <summary>What a circuit's scope holds about its person: who signed in and from where.</summary>
    public static IServiceCollection AddActingAdministrator(this IServiceCollection services) => services
        .AddScoped<IHttpContextAccessor, ScopeHttpContext>()
        .AddScoped<ClientAddress>()
        .AddScoped<AuthenticationStateProvider, SignedInState>()
        .AddScoped<CurrentActor>();

    /// <summary>A new scope in which <paramref name="admin"/> acts from <paramref name="client"/>; dispose it as a circuit closes.</summary>
    public static IServiceScope ActAs(this IServiceProvider services, SeededAdmin admin, string client, string? sessionId = null)
    {
        var scope = services.CreateScope();
        scope.ServiceProvider.GetRequiredService<IHttpContextAccessor>().HttpContext =
            new DefaultHttpContext { Connection = { RemoteIpAddress = System.Net.IPAddress.Parse(client) } };
        ((SignedInState)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>()).User =
            new ClaimsPrincipal(new ClaimsIdentity(Claims(admin, sessionId), "Test"));
        return scope;
    }

    /// <summary>The session cookie's claims of this administrator.</summary>
    public static Claim[] Claims(SeededAdmin admin, string? sessionId = null) =>
    [
        new(ClaimTypes.NameIdentifier, admin.Id.ToString()),
        new(ClaimTypes.Name, admin.UserName),
        .. sessionId is null ? Array.Empty<Claim>() : [new Claim(SessionClaims.SessionId, sessionId)],
    ];

    private sealed class ScopeHttpContext : IHttpContextAccessor
    {
        public HttpContext? HttpContext { get; set; }
    }

    private sealed class SignedInState : AuthenticationStateProvider
    {
        public ClaimsPrincipal User { get; set; } = new();

        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(User));
    }
}
