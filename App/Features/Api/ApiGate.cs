using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace NasDash.Features.Api;

/// <summary>
/// The door of /api/v1 and /metrics: a bearer token only (a session cookie is never looked at, so a cross-site request
/// carries no authority here), its scope, and requests the endpoint can take (no body, only its own query parameters).
/// A refused token gets 401 without a word of why; too many wrong ones from an address, 429.
/// </summary>
public static class ApiGate
{
    public const string CallerItem = "nasdash.api-caller";

    /// <summary>Null when the request may go on; the caller is then in <see cref="Caller"/>.</summary>
    public static IResult? Refusal(HttpContext http, ApiScopes scope, ApiQuery? query)
    {
        // A script gets the status code and, where there is one, a problem+json body; never the HTML error page.
        if (http.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        var tokens = http.RequestServices.GetRequiredService<ApiTokens>();
        var client = http.RequestServices.GetRequiredService<ClientAddress>().Value;
        switch (tokens.Check(http.Request.Headers.Authorization.ToString(), client))
        {
            case ApiTokenCheck.Throttled throttled:
                var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                var seconds = Math.Max(1, (int)Math.Ceiling((throttled.Until - now).TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.StatusCode(StatusCodes.Status429TooManyRequests);
            case ApiTokenCheck.Valid valid when !valid.Caller.Holds(scope):
                return Problem(StatusCodes.Status403Forbidden, "Forbidden", $"This token lacks the scope '{ApiToken.Describe(scope)}'.");
            case ApiTokenCheck.Valid valid:
                http.Items[CallerItem] = valid.Caller;
                return BadInput(http.Request, query);
            default:
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return TypedResults.Unauthorized();
        }
    }

    public static ApiCaller Caller(HttpContext http) =>
        http.Items[CallerItem] as ApiCaller ?? throw new InvalidOperationException("The API gate did not run for this endpoint.");

    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    private static ProblemHttpResult? BadInput(HttpRequest request, ApiQuery? query)
    {
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad request", "This operation takes no request body.");
        }

        var allowed = query?.Names ?? [];
        var unknown = request.Query.Keys.FirstOrDefault(k => !allowed.Contains(k, StringComparer.Ordinal));
        if (unknown is not null)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad request", $"Unknown query parameter '{Clip(unknown)}'.");
        }

        var repeated = request.Query.FirstOrDefault(q => q.Value.Count > 1).Key;
        return repeated is not null ? Problem(StatusCodes.Status400BadRequest, "Bad request", $"The query parameter '{repeated}' is given more than once.") : null;
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>The gate as an endpoint filter, reading the endpoint's <see cref="ApiScope"/> and <see cref="ApiQuery"/>.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var endpoint = context.HttpContext.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<ApiPublic>() is not null)
        {
            return await next(context);
        }

        var scope = endpoint?.Metadata.GetMetadata<ApiScope>() ?? throw new InvalidOperationException($"{endpoint?.DisplayName} declares no API scope.");
        return Refusal(context.HttpContext, scope.Scope, endpoint.Metadata.GetMetadata<ApiQuery>()) ?? await next(context);
    }
}
