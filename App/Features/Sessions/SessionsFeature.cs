using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using NasDash.Hosting;
using NasDash.Security;

namespace NasDash.Features.Sessions;

public static class SessionsFeature
{
    public const string CompletePath = "/auth/complete";
    public const string SignOutPath = "/auth/sign-out";

    public static IServiceCollection AddSessions(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "nasdash.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = environment.IsDevelopment() || environment.IsEnvironment("Testing")
                    ? CookieSecurePolicy.SameAsRequest
                    : CookieSecurePolicy.Always;
                options.LoginPath = "/login";
                options.AccessDeniedPath = "/login";
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = ValidateAsync;
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<NasDashOptions>((cookie, nasdash) => cookie.ExpireTimeSpan = nasdash.Session.IdleTimeout);
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .RequireAssertion(ctx => !ctx.User.IsEnrolmentPending())
                .Build())
            .AddPolicy(SessionClaims.EnrolmentPolicy, policy => policy.RequireAuthenticatedUser());
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, SessionRevalidation>();
        return services;
    }

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth");
        group.MapGet("/complete", CompleteSignInAsync);
        group.MapPost("/sign-out", SignOutAsync);
        return app;
    }

    /// <summary>Redeems a single-use ticket from a circuit, re-checks the account and sets the cookie.</summary>
    private static async Task<IResult> CompleteSignInAsync(HttpContext http, string? ticket, string? returnUrl,
        PendingSignIns pending, IAccountStore accounts, ISettingsStore settings, IAuditLog audit, TimeProvider time)
    {
        var redeemed = pending.RedeemTicket(ticket);
        var account = redeemed is null ? null : accounts.FindById(redeemed.AccountId);
        if (redeemed is null || account is null || account.SecurityStamp != redeemed.SecurityStamp ||
            account.State == AccountState.SuperLocked || settings.Get().ApplianceLockedBy is not null)
        {
            return TypedResults.LocalRedirect("/login?expired=1");
        }

        var now = time.GetUtcNow();
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString()),
            new(ClaimTypes.Name, account.UserName),
            new(SessionClaims.Stamp, account.SecurityStamp),
            new(SessionClaims.IssuedAt, now.UtcTicks.ToString(CultureInfo.InvariantCulture)),
        };
        if (redeemed.Enrolment)
        {
            claims.Add(new Claim(SessionClaims.EnrolmentPending, "1"));
        }

        // A new cookie at the end of the second factor (ASVS 7.2.4).
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)),
            new AuthenticationProperties { IsPersistent = false });
        audit.Append(new AuditEvent
        {
            At = now,
            UserName = account.UserName,
            ClientAddress = http.Connection.RemoteIpAddress?.ToString(),
            Event = "session.started",
            Outcome = redeemed.Enrolment ? "enrolment-only" : "succeeded",
        });

        var target = redeemed.Enrolment ? "/enrol" : LocalOnly(returnUrl);
        return TypedResults.LocalRedirect(target);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAuditLog audit, TimeProvider time)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            audit.Append(new AuditEvent
            {
                At = time.GetUtcNow(),
                UserName = http.User.Identity.Name,
                ClientAddress = http.Connection.RemoteIpAddress?.ToString(),
                Event = "session.ended",
                Outcome = "signed-out",
            });
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/login");
    }

    /// <summary>Only a path on this site: "/x" but not "//host" or "/\host".</summary>
    public static string LocalOnly(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' &&
        (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\')) &&
        !returnUrl.Contains("://", StringComparison.Ordinal) && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";

    /// <summary>Every request: the account must still exist, with the same stamp, unlocked, within the absolute lifetime.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        if (!SessionRevalidation.IsStillValid(context.Principal, services.GetRequiredService<IAccountStore>(),
                services.GetRequiredService<NasDashOptions>(), services.GetRequiredService<TimeProvider>()))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
