using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using NasDash.Security;

namespace NasDash.Features.Sessions;

/// <summary>
/// Ends an open circuit whose session is no longer valid (<see cref="SessionValidator"/>): at once when the core
/// signals that a user's sessions end (reset, super-lockout, re-enrolment), and by re-checking every few seconds
/// otherwise (idle timeout, absolute lifetime, a change made by the console). The page then sends the user to
/// the login page.
/// </summary>
public sealed class SessionRevalidation : RevalidatingServerAuthenticationStateProvider
{
    private readonly SessionValidator _validator;
    private readonly SessionHandoff _handoff;
    private readonly SecurityEvents _events;
    private readonly SessionRechecks _rechecks;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionRevalidation> _logger;

    public SessionRevalidation(ILoggerFactory loggerFactory, SessionValidator validator, SessionHandoff handoff, SecurityEvents events, SessionRechecks rechecks, TimeProvider time)
        : base(loggerFactory)
    {
        _validator = validator;
        _handoff = handoff;
        _events = events;
        _rechecks = rechecks;
        _time = time;
        _logger = loggerFactory.CreateLogger<SessionRevalidation>();
        _events.SessionsEnded += OnSessionsEnded;
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(5);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var at = _time.GetUtcNow();
        var kept = Keeps(authenticationState.User);
        _rechecks.Report(new SessionRecheck(authenticationState.User.AccountId(), at, kept));
        return Task.FromResult(kept);
    }

    /// <summary>
    /// Whether the circuit's session stays. A check that throws (the store unreadable) ends it: the base class would log
    /// the exception and stop re-checking this circuit for good, which would leave a revoked session open.
    /// </summary>
    internal bool Keeps(ClaimsPrincipal user)
    {
        try
        {
            return _handoff.InProgress || _validator.Check(user) == SessionVerdict.Valid;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "The session of an open page could not be checked; the page signs out");
            return false;
        }
    }

    private void OnSessionsEnded(Guid accountId) => _ = EndIfRevokedAsync(accountId);

    private async Task EndIfRevokedAsync(Guid accountId)
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.AccountId() == accountId && !Keeps(state.User))
            {
                SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
            }
        }
        catch (InvalidOperationException ex)
        {
            // A request scope that never had an authentication state (no circuit): nothing to end. The periodic check remains.
            _logger.LogDebug(ex, "Sessions-ended signal not applied to this scope");
        }
    }

    protected override void Dispose(bool disposing)
    {
        _events.SessionsEnded -= OnSessionsEnded;
        base.Dispose(disposing);
    }
}
