using Microsoft.JSInterop;

namespace NasDash.Features.SecurityKeys;

/// <summary>What the browser's navigator.credentials call gave: the credential as JSON, or the DOMException's name.</summary>
public sealed record BrowserCeremony(bool Ok, string? Json, string? Error);

/// <summary>What the browser offers: a secure context and the WebAuthn API.</summary>
public sealed record BrowserSupport(bool SecureContext, bool Api)
{
    public bool Works => SecureContext && Api;
}

/// <summary>The WebAuthn calls of nasdash.js (navigator.credentials.create/get), through the circuit's JS runtime.</summary>
public sealed class WebAuthnBrowser(IJSRuntime js)
{
    public ValueTask<BrowserSupport> SupportAsync() => js.InvokeAsync<BrowserSupport>("nasdash.webauthn.support");

    // The browser's own timeout ends the ceremony; the circuit waits a little longer for its answer.
    private static readonly TimeSpan CeremonyTimeout = NasDash.Security.SecurityKeys.SecurityKeyCeremonies.CeremonyLifetime + TimeSpan.FromSeconds(10);

    public ValueTask<BrowserCeremony> CreateAsync(string optionsJson) =>
        js.InvokeAsync<BrowserCeremony>("nasdash.webauthn.create", CeremonyTimeout, optionsJson);

    public ValueTask<BrowserCeremony> GetAsync(string optionsJson) =>
        js.InvokeAsync<BrowserCeremony>("nasdash.webauthn.get", CeremonyTimeout, optionsJson);
}
