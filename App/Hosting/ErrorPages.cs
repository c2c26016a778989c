using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;

namespace NasDash.Hosting;

/// <summary>
/// An exception ends on /error (a request id, nothing internal; the details go to the log), a missing page on
/// /not-found. A request the client garbled is answered 400, not 500: it is not the appliance's fault; a write the
/// disk refused is answered 503, a state that passes.
/// </summary>
public static class ErrorPages
{
    public const string ErrorPath = "/error";
    public const string NotFoundPath = "/not-found";

    public static IApplicationBuilder UseErrorPages(this IApplicationBuilder app, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            app.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandlingPath = ErrorPath,
                CreateScopeForErrors = true,
                StatusCodeSelector = StatusCodeFor,
            });
        }

        return app.UseStatusCodePagesWithReExecute(NotFoundPath);
    }

    public static int StatusCodeFor(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        InvalidDataException or AntiforgeryValidationException => StatusCodes.Status400BadRequest,
        // The disk refused a write: nothing was recorded, and the store takes writes again once the disk does.
        Storage.StoreUnavailableException => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
