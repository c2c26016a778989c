using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using NasDash.Features.Sessions;

namespace NasDash.Features.Health;

/// <summary>
/// GET /healthz answers whether the process serves requests and touches nothing (Docker's probe every 30 s must not
/// keep a NAS's disks awake); GET /healthz/ready also says whether the store takes writes, checked at most once a
/// minute. Both are anonymous, so both are rate limited per client address.
/// </summary>
public static class HealthFeature
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/healthz/ready";
    public const string RateLimitPolicy = "health";
    public const int RequestsPerMinutePerAddress = 60;

    private const string ReadyTag = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddSingleton<StoreWritableCheck>();
        services.AddHealthChecks().AddCheck<StoreWritableCheck>("store", tags: [ReadyTag]);
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                ClientAddress.Of(http) ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = RequestsPerMinutePerAddress,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false })
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitPolicy);
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) })
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitPolicy);
        return app;
    }
}
