using NasDash.Storage;

namespace NasDash.Features.Health;

public static class HealthEndpoint
{
    /// <summary>GET /healthz: 200 when the store is open and a write reaches the disk, 503 otherwise.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (LiteDbStore store) => store.IsWritable()
                ? Results.Text("ok")
                : Results.Text("store not writable", statusCode: StatusCodes.Status503ServiceUnavailable))
            .AllowAnonymous();
        return app;
    }
}
