using Microsoft.AspNetCore.Authorization;

namespace NasDash.Features.Report;

/// <summary>"This wasn't me": the page of a notice's link and its confirmation, both without sign-in.</summary>
public static class ReportFeature
{
    /// <summary>Where a report link points: <c>/report/&lt;token&gt;</c>; the confirmation posts to <c>/report/&lt;token&gt;/confirm</c>.</summary>
    public const string Prefix = "/report";

    /// <summary>The outcomes the page is sent back with, after the POST.</summary>
    public const string Refused = "refused";

    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        // A form post from the report page itself; Sec-Fetch-Site / Origin, not an antiforgery token, is its cross-site
        // defence (the page has no session to tie a token to). It can only tighten, but another site must not press it.
        app.MapPost(Prefix + "/{token}/confirm", ConfirmAsync).DisableAntiforgery().AllowAnonymous();
        return app;
    }

    public static string Outcome(NotMeOutcome outcome) => outcome switch
    {
        NotMeOutcome.Confirmed => "confirmed",
        NotMeOutcome.AlreadyUsed => "already-used",
        NotMeOutcome.Expired => "expired",
        NotMeOutcome.Throttled => "throttled",
        _ => "unknown",
    };

    private static async Task<IResult> ConfirmAsync(string token, HttpContext http, NotMeReports reports, RelyingPartySource relyingParty)
    {
        var outcome = !SignInBrowser.PostedByOwnPage(http, relyingParty.Current.Origins)
            ? Refused
            : Outcome((await reports.ConfirmAsync(token, ClientAddress.Of(http), http.RequestAborted)).Outcome);
        return TypedResults.Redirect($"{Prefix}/{Uri.EscapeDataString(token)}?outcome={outcome}");
    }
}
