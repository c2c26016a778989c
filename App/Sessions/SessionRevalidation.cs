using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using NasDash.Storage;

namespace NasDash.Sessions;

/// <summary>
/// Ends an open circuit whose session is no longer valid (<see cref="SessionValidator"/>): at once when the core
/// signals that a user's sessions end (reset, super-lockout, re-enrolment), and by re-checking every few seconds
/// otherwise (idle timeout, absolute lifetime, a change made by the console). The page then sends the user to
/// the login page.
/// </summary>
public sealed class SessionRevalidation : RevalidatingServerAuthenticationStateProvider
{
    private readonly SessionValidator _validator;
    private readonly TimeProvider _time;
    private readonly SecurityEvents _events;
    private readonly SessionRechecks _rechecks;
    private readonly ILogger<SessionRevalidation> _logger;
    private readonly IStoreChanges? _changes;

    /// <param name="changes">In a fleet, another appliance's change to an account (a reset, super-lockout, password change)
    /// re-checks that account's open pages here at once rather than at their next periodic check.</param>
    public SessionRevalidation(ILoggerFactory loggerFactory, SessionValidator validator, SecurityEvents events, SessionRechecks rechecks, TimeProvider time,
        IStoreChanges? changes = null)
        : base(loggerFactory)
    {
        _changes = changes;
        _validator = validator;
        _time = time;
        _events = events;
        _rechecks = rechecks;
        _logger = loggerFactory.CreateLogger<SessionRevalidation>();
        _events.SessionsEnded += OnSessionsEnded;
        if (_changes is not null)
        {
            _changes.Changed += OnStoreChanged;
        }
    }

    /// <summary>The longest a page is spared while its person's own change runs (<see cref="SessionRenewal"/>).</summary>
    public static readonly TimeSpan SpareLimit = TimeSpan.FromSeconds(30);

    private DateTimeOffset? _sparedSince;

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(5);

    /// <summary>Until the returned handle is disposed (or <see cref="SpareLimit"/> passes), this page is kept although its stamp no longer matches.</summary>
    internal IDisposable Spare()
    {
        var since = _time.GetUtcNow();
        _sparedSince = since;
        return new Unspare(this, since);
    }

    /// <summary>This page's person, with the account's new stamp after their own change.</summary>
    internal void Adopt(ClaimsPrincipal renewed) => SetAuthenticationState(Task.FromResult(new AuthenticationState(renewed)));

    private bool Spared => _sparedSince is { } since && _time.GetUtcNow() - since < SpareLimit;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var at = _time.GetUtcNow();
        var kept = Keeps(authenticationState.User);
        _rechecks.Report(new SessionRecheck(authenticationState.User.AccountId(), at, kept));
        return Task.FromResult(kept);
    }

    /// <summary>
    /// The longest an open page stays, read-only, while the store cannot be read (a fleet without quorum, a failing disk).
    /// </summary>
    public static readonly TimeSpan UnreadableLimit = TimeSpan.FromMinutes(10);

    private long? _unreadableSince;

    /// <summary>
    /// Whether the circuit's session stays. A check that throws never propagates: the base class would log the exception
    /// and stop re-checking this circuit for good, which would leave a revoked session open.
    /// </summary>
    internal bool Keeps(ClaimsPrincipal user)
    {
        try
        {
            var kept = Spared || _validator.Check(user) == SessionVerdict.Valid;
            _unreadableSince = null;
            return kept;
        }
        catch (StoreUnavailableException ex) when (KeptWhileUnreadable(user, out var first))
        {
            // Whether the session was revoked cannot be known, but nothing this page does can be recorded either (every
            // write is refused with the reason), and on this side nobody can revoke it: it stays as it is, read-only,
            // within its own limits, for at most UnreadableLimit. Said once per outage, not at every re-check.
            if (first)
            {
                _logger.LogWarning("The session of an open page could not be checked ({Reason}); the page stays, read-only, for up to {Limit}",
                    ex.PersonMessage, UnreadableLimit);
            }

            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "The session of an open page could not be checked; the page signs out");
            return false;
        }
    }

    private bool KeptWhileUnreadable(ClaimsPrincipal user, out bool first)
    {
        first = _unreadableSince is null;
        _unreadableSince ??= _time.GetTimestamp();
        return _time.GetElapsedTime(_unreadableSince.Value) < UnreadableLimit && _validator.WithinLimits(user) == SessionVerdict.Valid;
    }

    private void OnSessionsEnded(Guid accountId) => _ = EndIfRevokedAsync(accountId);

    private void OnStoreChanged(StoreChange change)
    {
        switch (change)
        {
            case StoreChange.AccountChanged account:
                _ = EndIfRevokedAsync(account.AccountId);
                break;
            case StoreChange.ApplianceLockChanged:
                _ = EndIfRevokedAsync(null);
                break;
        }
    }

    /// <param name="accountId">Whose sessions to re-check; null: every session (the appliance-wide lock).</param>
    private async Task EndIfRevokedAsync(Guid? accountId)
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if ((accountId is null || state.User.AccountId() == accountId) && !Keeps(state.User))
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

    private sealed class Unspare(SessionRevalidation revalidation, DateTimeOffset since) : IDisposable
    {
        public void Dispose()
        {
            if (revalidation._sparedSince == since)
            {
                revalidation._sparedSince = null;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        _events.SessionsEnded -= OnSessionsEnded;
        if (_changes is not null)
        {
            _changes.Changed -= OnStoreChanged;
        }

        base.Dispose(disposing);
    }
}
