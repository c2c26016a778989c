using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using NasDash.Hosting;
using NasDash.Security;

namespace NasDash.Features.Sessions;

/// <summary>
/// Ends open circuits whose user's security stamp changed: at once when the core signals it
/// (reset, super-lockout, re-enrolment), and by re-checking every few seconds otherwise.
/// </summary>
public sealed class SessionRevalidation : RevalidatingServerAuthenticationStateProvider
{
    private readonly IAccountStore _accounts;
    private readonly NasDashOptions _options;
    private readonly TimeProvider _time;
    private readonly SecurityEvents _events;

    public SessionRevalidation(ILoggerFactory loggerFactory, IAccountStore accounts, NasDashOptions options, TimeProvider time, SecurityEvents events)
        : base(loggerFactory)
    {
        _accounts = accounts;
        _options = options;
        _time = time;
        _events = events;
        _events.SessionsEnded += OnSessionsEnded;
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(5);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        Task.FromResult(IsStillValid(authenticationState.User, _accounts, _options, _time));

    public static bool IsStillValid(ClaimsPrincipal? user, IAccountStore accounts, NasDashOptions options, TimeProvider time)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return true;
        }

        var id = user.AccountId();
        var account = id is null ? null : accounts.FindById(id.Value);
        if (account is null || account.SecurityStamp != user.FindFirstValue(SessionClaims.Stamp) || account.State == AccountState.SuperLocked)
        {
            return false;
        }

        return long.TryParse(user.FindFirstValue(SessionClaims.IssuedAt), NumberStyles.Integer, CultureInfo.InvariantCulture, out var issued) &&
               time.GetUtcNow() - new DateTimeOffset(issued, TimeSpan.Zero) < options.Session.AbsoluteLifetime;
    }

    private void OnSessionsEnded(Guid accountId)
    {
        _ = CheckAsync(accountId);
    }

    private async Task CheckAsync(Guid accountId)
    {
        var state = await GetAuthenticationStateAsync();
        if (state.User.AccountId() == accountId && !IsStillValid(state.User, _accounts, _options, _time))
        {
            SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        }
    }

    protected override void Dispose(bool disposing)
    {
        _events.SessionsEnded -= OnSessionsEnded;
        base.Dispose(disposing);
    }
}
