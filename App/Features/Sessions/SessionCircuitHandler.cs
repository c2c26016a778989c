using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace NasDash.Features.Sessions;

/// <summary>
/// Per circuit: captures the client address and the sign-in browser value when the circuit opens, and counts every event the browser
/// sends (clicks, typing, navigation) as use of the session for its idle timeout.
/// </summary>
internal sealed class SessionCircuitHandler(ClientAddress client, SignInBrowser browser, AuthenticationStateProvider authentication, SessionActivity activity) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        client.Capture();
        browser.Capture();
        return Task.CompletedTask;
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        context =>
        {
            var state = authentication.GetAuthenticationStateAsync();
            if (state.IsCompletedSuccessfully)
            {
                activity.Touch(state.Result.User.SessionIdOf());
            }

            return next(context);
        };
}
