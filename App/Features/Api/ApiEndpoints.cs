using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using NasDash.Features.Console;
using NasDash.Features.Alerts;
using NasDash.Features.Audit;
using NasDash.Features.Dashboard;
using NasDash.Hosting;

namespace NasDash.Features.Api;

/// <summary>
/// The REST API for scripts under /api/v1. It reads what the pages read, through the same services; the one write is
/// acknowledging an alert, with the same rule and audit entry as the alerts page. Nothing here can change how anyone signs in.
/// </summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";
    public const string DocumentPath = Prefix + "/openapi.json";
    public const int MaxAuditPage = 500;
    private const int MaxQueryValueLength = 100;

    public static IEndpointRouteBuilder MapApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix).AddEndpointFilter(ApiGate.FilterAsync).DisableAntiforgery().WithTags("NasDash");

        api.MapGet("/status", Status).WithName("getStatus").WithSummary("The appliance, its two-factor summary, SSH state and open alerts")
            .Needs(ApiScopes.Read);
        api.MapGet("/accounts", Accounts).WithName("getAccounts").WithSummary("Every administrator: state, second factors by kind, last sign-in")
            .Needs(ApiScopes.Read);
        api.MapGet("/alerts", AlertList).WithName("getAlerts").WithSummary("Open alerts, then the recent acknowledged and cleared ones")
            .Needs(ApiScopes.Read);
        api.MapPost("/alerts/{id:guid}/acknowledge", Acknowledge).WithName("acknowledgeAlert").WithSummary("Acknowledge an open alert")
            .Needs(ApiScopes.Alerts);
        api.MapGet("/audit", AuditLog).WithName("getAudit").WithSummary("The audit log, newest first, a page at a time (JSON, or CSV with Accept: text/csv)")
            .Needs(ApiScopes.Read).WithMetadata(new ApiQuery("from", "to", "user", "category", "cursor", "limit"))
            .Produces<string>(StatusCodes.Status200OK, "text/csv");
        return app;
    }

    /// <summary>The scope the endpoint needs, and the answers of the gate every endpoint can give.</summary>
    private static RouteHandlerBuilder Needs(this RouteHandlerBuilder endpoint, ApiScopes scope) => endpoint
        .WithMetadata(new ApiScope(scope))
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .Produces(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .Produces(StatusCodes.Status429TooManyRequests);

    private static Ok<ApiStatus> Status(SecurityOverview overview, ISettingsStore settings, ApplianceIdentity appliance)
    {
        var s = overview.Read();
        var current = settings.Get();
        return TypedResults.Ok(new ApiStatus(
            appliance.HostName,
            HelpAndVersion.Version,
            new ApiTwoFactorSummary(current.TwoFactor.EnforceForAdministrators, s.Administrators, s.WithSecondFactor, s.WithoutSecondFactor,
                [.. s.Locked.Select(l => new ApiLockedAccount(l.UserName, ApiMapping.Name(l.State), l.StateSince, l.LockedUntil))], s.ApplianceLockedBy),
            new ApiSshState(s.SshLoginDisabled, s.SshDisabledAt, current.Ssh.DisabledReason, s.SshTwoFactor),
            s.OpenAlerts));
    }

    private static Ok<ApiAccount[]> Accounts(IAccountStore accounts, TimeProvider time)
    {
        var now = time.GetUtcNow();
        return TypedResults.Ok(accounts.All().Select(a => ApiMapping.Of(a, now)).ToArray());
    }

    private static async Task<Ok<ApiAlert[]>> AlertList(AlertsService alerts) =>
        TypedResults.Ok((await alerts.OpenAsync()).Select(v => ApiMapping.Of(v.Alert)).Concat(alerts.History().Select(ApiMapping.Of)).ToArray());

    private static Results<NoContent, NotFound<ProblemDetails>> Acknowledge(Guid id, HttpContext http, AlertsService alerts, ClientAddress client)
    {
        var caller = ApiGate.Caller(http);
        return alerts.Acknowledge(id, caller.UserName, client.Value, $"API token “{caller.TokenName}”")
            ? TypedResults.NoContent()
            : TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Not found", Detail = "There is no open alert with that id." });
    }

    private static Results<Ok<ApiAuditPage>, ContentHttpResult, ProblemHttpResult> AuditLog(
        HttpContext http, AuditService audit, string? from, string? to, string? user, string? category, string? cursor, string? limit)
    {
        if (new[] { from, to, user, category, cursor, limit }.Any(v => v?.Length > MaxQueryValueLength * 2))
        {
            return Bad("A query value is too long.");
        }

        if (!TryTime(from, out var fromAt) || !TryTime(to, out var toAt))
        {
            return Bad("'from' and 'to' are ISO 8601 times with an offset, e.g. 2026-01-31T00:00:00Z.");
        }

        if (user is { Length: > SignInService.MaxUserNameLength })
        {
            return Bad($"'user' is a user name of at most {SignInService.MaxUserNameLength} characters.");
        }

        string? prefix = null;
        if (category is not null && (prefix = Category(category)) is null)
        {
            return Bad($"'category' is one of: {string.Join(", ", AuditService.EventFamilies.Select(f => CategoryName(f.Prefix)))}.");
        }

        var take = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxAuditPage))
        {
            return Bad($"'limit' is a whole number from 1 to {MaxAuditPage}.");
        }

        var filter = new AuditFilter(user, prefix, fromAt, toAt);
        long? before = null;
        if (cursor is not null && (before = AuditCursor.Read(cursor, filter)) is null)
        {
            return Bad("That cursor does not belong to this query: repeat the query that returned it, with the same filters.");
        }

        var items = audit.Before(filter, before, take);
        var next = items.Count == take ? AuditCursor.Make(filter, items[^1].Id) : null;
        if (http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            if (next is not null)
            {
                http.Response.Headers["X-Next-Cursor"] = next;
            }

            var csv = new StringBuilder(AuditService.CsvHeader);
            foreach (var e in items)
            {
                csv.Append(AuditService.CsvLine(e));
            }

            return TypedResults.Text(csv.ToString(), "text/csv", Encoding.UTF8);
        }

        return TypedResults.Ok(new ApiAuditPage([.. items.Select(ApiMapping.Of)], next));
    }

    private static ProblemHttpResult Bad(string detail) => ApiGate.Problem(StatusCodes.Status400BadRequest, "Bad request", detail);

    private static bool TryTime(string? text, out DateTimeOffset? at)
    {
        at = null;
        if (text is null)
        {
            return true;
        }

        if (text.Length > 40 || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        at = parsed;
        return true;
    }

    /// <summary>A family's name without its trailing dot: login for login., the step-up family as it is.</summary>
    private static string CategoryName(string prefix) => prefix.TrimEnd('.');

    private static string? Category(string name) =>
        AuditService.EventFamilies.Select(f => f.Prefix).FirstOrDefault(p => CategoryName(p).Equals(name, StringComparison.Ordinal));
}
