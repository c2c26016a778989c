using Microsoft.AspNetCore.Components.Authorization;

namespace NasDash.Sessions;

/// <summary>Who acts in this circuit or request: the signed-in account, its session and the client's address.</summary>
public sealed record Actor(Guid AccountId, string UserName, string? SessionId, string? ClientAddress);

/// <summary>
/// The current actor, scoped to the circuit or request, for services that act on someone's behalf. The address is
/// captured once (<see cref="Sessions.ClientAddress"/>, which honours trusted proxies); the account is read from
/// the authentication state each time, so a session that revalidation ended stops being an actor at once.
/// </summary>
public sealed class CurrentActor(AuthenticationStateProvider authentication, ClientAddress client)
{
    /// <summary>What a service acting for nobody answers: the session ended while the page stayed open.</summary>
    public const string SessionEndedMessage = "Your session has ended. Sign in again.";

    /// <summary>e.g. "127.0.0.1"; null when unknown. Known before anyone signed in (setup, sign-in).</summary>
    public string? ClientAddress => client.Value;

    /// <summary>Null when nobody is signed in.</summary>
    public async Task<Actor?> GetAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        return user.AccountId() is { } id && user.Identity?.Name is { Length: > 0 } name
            ? new Actor(id, name, user.SessionIdOf(), client.Value)
            : null;
    }
}
