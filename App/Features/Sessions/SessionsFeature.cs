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
using NasDash.Security;

namespace NasDash.Features.Sessions;

public static class SessionsFeature
{
    public const string CompletePath = "/auth/complete";
    public const string SignOutPath = "/auth/sign-out";
    public const string CookieName = "nasdash.session";
    /// <summary>"My account", the one page a session whose password change is due may reach.</summary>
    public const string AccountPath = "/account";

    public static IServiceCollection AddSessions(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = IsLocalEnvironment(environment)
                    ? CookieSecurePolicy.SameAsRequest
                    : CookieSecurePolicy.Always;
                options.LoginPath = "/login";
                options.AccessDeniedPath = "/login";
                // The idle timeout is enforced by SessionActivity, which also sees circuit events; the ticket carries the absolute limit.
                options.SlidingExpiration = false;
                options.Events.OnValidatePrincipal = ValidateAsync;
                options.Events.OnRedirectToAccessDenied = RedirectToAccessDeniedAsync;
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            // A backstop just past the absolute lifetime, so that SessionValidator sees the expiry first and audits it.
            .Configure<NasDashOptions>((cookie, nasdash) => cookie.ExpireTimeSpan = nasdash.Session.AbsoluteLifetime + TimeSpan.FromMinutes(1));
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
        services.AddSingleton<SessionValidator>();
        services.AddScoped<ClientAddress>();
        services.AddScoped<BrowserDevice>();
        services.AddScoped<CurrentActor>();
        services.AddScoped<SessionHandoff>();
        services.AddScoped<AuthenticationStateProvider, SessionRevalidation>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, SessionCircuitHandler>());
        return services;
    }

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth");
        group.MapGet("/complete", CompleteSignInAsync);
        group.MapPost("/sign-out", SignOutAsync);
        return app;
    }

    /// <summary>
    /// Redeems a single-use ticket from a circuit and sets the cookie, after re-checking that the account still has
    /// the security stamp and lockout state the ticket was issued for.
    /// </summary>
    private static async Task<IResult> CompleteSignInAsync(HttpContext http, string? ticket, string? returnUrl,
        PendingSignIns pending, IAccountStore accounts, ISettingsStore settings, SessionActivity activity, IAuditLog audit,
        DeviceCookies devices, IHostEnvironment environment, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var redeemed = pending.RedeemTicket(ticket);
        var account = redeemed is null ? null : accounts.FindById(redeemed.AccountId);
        var refusal = redeemed is null ? "unknown, used or expired ticket"
            : account is null ? "account gone"
            : account.SecurityStamp != redeemed.SecurityStamp ? "account changed since the ticket was issued"
            : account.State != redeemed.State || account.State == AccountState.SuperLocked ? "lockout state changed since the ticket was issued"
            : settings.Get().ApplianceLockedBy is not null ? "appliance locked"
            : null;
        if (refusal is not null)
        {
            audit.Append(new AuditEvent
            {
                At = now,
                UserName = account?.UserName,
                ClientAddress = ClientAddress.Of(http),
                Event = "session.ticket",
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
            BrowserDevice.Issue(http, devices, account, requireSecure: !IsLocalEnvironment(environment), now);
        }

        audit.Append(new AuditEvent
        {
            At = now,
            UserName = account.UserName,
            ClientAddress = ClientAddress.Of(http),
            Event = "session.started",
            Outcome = redeemed.Enrolment ? "enrolment-only" : "succeeded",
        });

        var target = redeemed.Enrolment ? "/enrol" : LocalOnly(returnUrl);
        return TypedResults.LocalRedirect(target);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, SessionActivity activity, IAuditLog audit, TimeProvider time)
    {
        var signedIn = http.User.Identity?.IsAuthenticated == true;
        if (signedIn && !await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.BadRequest();
        }

        if (signedIn)
        {
            audit.Append(new AuditEvent
            {
                At = time.GetUtcNow(),
                UserName = http.User.Identity!.Name,
                ClientAddress = ClientAddress.Of(http),
                Event = "session.ended",
                Outcome = "signed-out",
            });
            activity.End(http.User.SessionIdOf());
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/login");
    }

    /// <summary>Development and tests run on plain http; everywhere else cookies are Secure.</summary>
    private static bool IsLocalEnvironment(IHostEnvironment environment) => environment.IsDevelopment() || environment.IsEnvironment("Testing");

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
            services.GetRequiredService<SessionActivity>().Touch(context.Principal?.SessionIdOf());
            return;
        }

        services.GetRequiredService<IAuditLog>().Append(new AuditEvent
        {
            At = services.GetRequiredService<TimeProvider>().GetUtcNow(),
            UserName = context.Principal?.Identity?.Name,
            ClientAddress = ClientAddress.Of(context.HttpContext),
            Event = "session.ended",
            Outcome = SessionValidator.AuditOutcome(verdict),
        });
        services.GetRequiredService<SessionActivity>().End(context.Principal?.SessionIdOf());
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
