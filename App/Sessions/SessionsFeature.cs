using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NasDash.Hosting;

namespace NasDash.Sessions;

public static class SessionsFeature
{
    public const string CompletePath = "/auth/complete";
    public const string SignOutPath = "/auth/sign-out";
    public const string CookieName = "nasdash.session";
    public const string SignOutRefused =
        "This sign-out request did not come from a NasDash page, so it was ignored. Go back to NasDash and use its Sign out button.";
    /// <summary>The session cookie's name over https (see <see cref="HostPrefixedCookies"/>).</summary>
    public const string SecureCookieName = HostPrefixedCookies.Prefix + CookieName;

    /// <summary>How far past the absolute lifetime the cookie itself expires: the largest forward step of the wall clock a session outlives.</summary>
    public static readonly TimeSpan CookieBackstopSlack = TimeSpan.FromDays(1);
    /// <summary>"My account", the one page a session whose password change is due may reach.</summary>
    public const string AccountPath = "/account";

    public static IServiceCollection AddSessions(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = CookieName;
                options.CookieManager = new HostPrefixedCookies();
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.LoginPath = "/login";
                options.AccessDeniedPath = "/login";
                // The idle timeout is enforced by SessionActivity, which also sees circuit events; the ticket carries the absolute limit.
                options.SlidingExpiration = false;
                options.Events.OnValidatePrincipal = ValidateAsync;
                options.Events.OnRedirectToAccessDenied = RedirectToAccessDeniedAsync;
            });
        // Its token is tied to the session, so over https it must not travel in the clear either.
        services.Configure<AntiforgeryOptions>(antiforgery => antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            // A backstop past the absolute lifetime, judged by the wall clock: SessionValidator (monotonic) sees the expiry
            // first and audits it, and a wall clock set forward by less than CookieBackstopSlack ends no session here.
            .Configure<NasDashOptions>((cookie, nasdash) =>
            {
                cookie.ExpireTimeSpan = nasdash.Session.AbsoluteLifetime + CookieBackstopSlack;
                cookie.Cookie.SecurePolicy = nasdash.Session.CookiesRequireHttps(environment) ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            });
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .RequireAssertion(ctx => !ctx.User.IsEnrolmentPending())
                .AddRequirements(new PasswordChangeNotDue())
                .Build())
            .AddPolicy(SessionClaims.EnrolmentPolicy, policy => policy.RequireAuthenticatedUser())
            .AddPolicy(SessionClaims.PasswordChangePolicy, policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(ctx => !ctx.User.IsEnrolmentPending()));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, PasswordChangeHandler>();
        services.AddCascadingAuthenticationState();
        services.AddSingleton<SessionActivity>();
        services.AddSingleton<SessionActivityFile>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionActivityFile>());
        services.AddSingleton<SessionValidator>();
        services.AddSingleton<SessionRechecks>();
        services.AddScoped<ClientAddress>();
        services.AddScoped<SignInBrowser>();
        services.AddScoped<BrowserDevice>();
        services.AddScoped<CurrentActor>();
        services.AddScoped<CircuitConnection>();
        services.AddScoped<SessionRenewal>();
        services.AddScoped<AuthenticationStateProvider, SessionRevalidation>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, SessionCircuitHandler>());
        return services;
    }

    /// <summary>Gives browsers the value their sign-in tickets are bound to (see <see cref="SignInBrowser"/>).</summary>
    public static IApplicationBuilder UseSignInBrowser(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            SignInBrowser.IssueOnHandoverPage(context);
            return next(context);
        });

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth");
        // A form post from the page's own circuit (TicketRedemption); the sign-in browser cookie and the browser's own
        // Origin / Sec-Fetch-Site, not an antiforgery token, are its cross-site defence: the token would be tied to the
        // session this very request replaces, and its cookie can be overwritten by a same-site sibling.
        group.MapPost("/complete", CompleteSignInAsync).DisableAntiforgery();
        group.MapPost("/sign-out", SignOutAsync);
        return app;
    }

    /// <summary>
    /// Redeems a single-use ticket from a circuit and sets the cookie, after re-checking that the account still has
    /// the security stamp and lockout state the ticket was issued for.
    /// </summary>
    private static async Task<IResult> CompleteSignInAsync(HttpContext http,
        PendingSignIns pending, IAccountStore accounts, ISettingsStore settings, SessionActivity activity, IAuditLog audit,
        DeviceCookies devices, RelyingPartySource relyingParty, NasDashOptions nasdash, IHostEnvironment environment, TimeProvider time)
    {
        if (await ReadFormAsync(http) is not { } form)
        {
            return TypedResults.BadRequest();
        }

        var now = time.GetUtcNow();
        var redeemed = pending.RedeemTicket(form["ticket"].ToString() is { Length: > 0 } ticket ? ticket : null);
        string? returnUrl = form["returnUrl"];
        var account = redeemed is null ? null : accounts.FindById(redeemed.AccountId);
        var refusal = redeemed is null ? "unknown, used or expired ticket"
            : !SignInBrowser.PostedByOwnPage(http, relyingParty.Current.Origins) ? "posted by another site"
            : !SignInBrowser.Matches(redeemed.Browser, SignInBrowser.Of(http)) ? "ticket issued to another browser"
            : account is null ? "account gone"
            : account.SecurityStamp != redeemed.SecurityStamp ? "account changed since the ticket was issued"
            : account.State != redeemed.State || !account.AdmitsSessions ? "lockout state changed since the ticket was issued"
            : settings.Get().ApplianceLockedBy is not null ? "appliance locked"
            : null;
        if (refusal is not null)
        {
            audit.Append(new AuditEvent
            {
                At = now,
                UserName = account?.UserName,
                ClientAddress = ClientAddress.Of(http),
                Event = AuditNames.SessionTicket.Id,
                Outcome = "refused",
                Detail = refusal,
            });
            return TypedResults.LocalRedirect("/login?expired=1");
        }

        var sessionId = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account!.Id.ToString()),
            new(ClaimTypes.Name, account.UserName),
            new(SessionClaims.Stamp, account.SecurityStamp),
            new(SessionClaims.IssuedAt, now.UtcTicks.ToString(CultureInfo.InvariantCulture)),
            new(SessionClaims.SessionId, sessionId),
        };
        if (redeemed!.Enrolment)
        {
            claims.Add(new Claim(SessionClaims.EnrolmentPending, "1"));
        }

        // A new cookie, replacing any earlier one, at the end of the second factor (ASVS 7.2.4); a session cookie,
        // gone when the browser closes.
        activity.End(http.User.SessionIdOf());
        activity.Start(sessionId);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)),
            new AuthenticationProperties { IsPersistent = false });
        if (!redeemed.Enrolment)
        {
            // A completed sign-in (every factor passed): this browser becomes one of the account's trusted devices.
            BrowserDevice.Issue(http, devices, account, requireSecure: nasdash.Session.CookiesRequireHttps(environment), now);
        }

        audit.Append(new AuditEvent
        {
            At = now,
            UserName = account.UserName,
            ClientAddress = ClientAddress.Of(http),
            Event = AuditNames.SessionStarted.Id,
            Outcome = redeemed.Enrolment ? "enrolment-only" : "succeeded",
        });

        var target = redeemed.Enrolment ? "/enrol" : LocalOnly(returnUrl);
        return TypedResults.LocalRedirect(target);
    }

    /// <summary>
    /// Validates the antiforgery token first, signed in or not: a cross-site post carries no token, and answering it
    /// with a cookie deletion would sign the browser out (browsers honour Set-Cookie on a cross-site top-level POST).
    /// </summary>
    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, SessionActivity activity, IAuditLog audit, TimeProvider time)
    {
        if (!await IsAntiforgeryValidAsync(http, antiforgery))
        {
            return TypedResults.Text(SignOutRefused, statusCode: StatusCodes.Status400BadRequest);
        }

        if (http.User.Identity?.IsAuthenticated == true)
        {
            audit.Append(new AuditEvent
            {
                At = time.GetUtcNow(),
                UserName = http.User.Identity.Name,
                ClientAddress = ClientAddress.Of(http),
                Event = AuditNames.SessionEnded.Id,
                Outcome = "signed-out",
            });
            activity.End(http.User.SessionIdOf());
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/login");
    }

    /// <summary>The posted form; null for a body that is not a well-formed form.</summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            return null;
        }

        try
        {
            return await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return null;
        }
    }

    /// <summary>False, not an exception, for a body that is not a well-formed form (a NUL, an over-long key, a truncated multipart part).</summary>
    private static async Task<bool> IsAntiforgeryValidAsync(HttpContext http, IAntiforgery antiforgery)
    {
        try
        {
            return http.Request.HasFormContentType && await antiforgery.IsRequestValidAsync(http);
        }
        catch (Exception ex) when (ex is AntiforgeryValidationException or InvalidDataException or BadHttpRequestException or IOException)
        {
            return false;
        }
    }

    /// <summary>A session refused a page because its password change is due goes to "My account"; any other refusal to the login page.</summary>
    private static Task RedirectToAccessDeniedAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        var accounts = context.HttpContext.RequestServices.GetRequiredService<IAccountStore>();
        context.Response.Redirect(PasswordChangeNotDue.IsDue(accounts, context.HttpContext.User) ? AccountPath : context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Only a path on this site: "/x" but not "//host" or "/\host".</summary>
    public static string LocalOnly(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' &&
        (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\')) &&
        !returnUrl.Contains("://", StringComparison.Ordinal) && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";

    /// <summary>Every request: the account must still exist, with the same stamp, unlocked, within both time limits.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var verdict = services.GetRequiredService<SessionValidator>().Check(context.Principal);
        if (verdict == SessionVerdict.Valid)
        {
            // A circuit's own connection (its start, and every reconnect attempt while a server restarts) is no use by a person.
            if (!context.HttpContext.Request.Path.StartsWithSegments("/_blazor", StringComparison.OrdinalIgnoreCase))
            {
                services.GetRequiredService<SessionActivity>().Touch(context.Principal?.SessionIdOf());
            }

            return;
        }

        services.GetRequiredService<IAuditLog>().Append(new AuditEvent
        {
            At = services.GetRequiredService<TimeProvider>().GetUtcNow(),
            UserName = context.Principal?.Identity?.Name,
            ClientAddress = ClientAddress.Of(context.HttpContext),
            Event = AuditNames.SessionEnded.Id,
            Outcome = SessionValidator.AuditOutcome(verdict),
            Detail = services.GetRequiredService<SessionValidator>().Why(context.Principal, verdict),
        });
        services.GetRequiredService<SessionActivity>().End(context.Principal?.SessionIdOf());
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
