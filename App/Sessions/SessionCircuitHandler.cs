using Microsoft.AspNetCore.Components.Server.Circuits;

namespace NasDash.Sessions;

/// <summary>
/// Per circuit: captures the client address, the sign-in browser value and the device cookies when the circuit
/// opens. Inbound circuit traffic is not use of the session: render acknowledgements of self-refreshing pages arrive
/// with nobody there; <see cref="PersonActivity"/> reports what a person does.
/// </summary>
internal sealed class SessionCircuitHandler(ClientAddress client, SignInBrowser browser, BrowserDevice device, CircuitConnection connection) : CircuitHandler
{
    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        connection.Down();
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        connection.Up();
        return Task.CompletedTask;
    }

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        client.Capture();
        browser.Capture();
        device.Capture();
        return Task.CompletedTask;
    }
}
