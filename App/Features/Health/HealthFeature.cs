using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace NasDash.Features.Health;

/// <summary>
/// GET /healthz answers whether the process serves requests and touches nothing (Docker's probe every 30 s must not
/// keep a NAS's disks awake); GET /healthz/ready also says whether the store takes writes, checked at most once a
/// minute. Neither is rate limited: both are as cheap as a static file, and a probe that shares its address with a busy
/// client (a proxy, a node's SNAT) must not be reported down for someone else's requests.
/// </summary>
public static class HealthFeature
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/healthz/ready";

    private const string ReadyTag = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddSingleton<StoreWritableCheck>();
        services.AddHealthChecks().AddCheck<StoreWritableCheck>("store", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false })
            .AllowAnonymous();
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) })
            .AllowAnonymous();
        return app;
    }
}
