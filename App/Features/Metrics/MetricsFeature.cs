using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NasDash.Features.Api;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace NasDash.Features.Metrics;

/// <summary>Prometheus metrics at /metrics, for a bearer token with the scope "metrics" (the same gate as /api/v1).</summary>
public static class MetricsFeature
{
    public const string Path = "/metrics";

    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<NasDashMetrics>();
        services.AddSingleton<ILockoutEventHandler>(sp => sp.GetRequiredService<NasDashMetrics>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, CircuitCount>());
        services.AddHostedService<CountFromTheStart>();
        services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("nasdash")).WithMetrics(metrics => metrics
            .AddMeter(NasDashMetrics.MeterNameIn(configuration))
            .AddPrometheusExporter(prometheus =>
            {
                // Every scrape sees the counters as they are now (a test or a person right after an event), and no
                // label names the library: the series are the appliance's own.
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                prometheus.ScopeInfoEnabled = false;
            }));
        return services;
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var query = new ApiQuery();
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
            {
                if (ApiGate.Refusal(http, ApiScopes.Metrics, query) is { } refusal)
                {
                    await refusal.ExecuteAsync(http);
                    return;
                }

                await next(http);
            }), optionsName: null)
            .WithMetadata(new ApiScope(ApiScopes.Metrics));
        return app;
    }

    /// <summary>Creates the instruments at start-up, so the counters count from the start and not from the first scrape.</summary>
    private sealed class CountFromTheStart(NasDashMetrics metrics, ApiTokens tokens) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            metrics.Attach(tokens);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class CircuitCount(NasDashMetrics metrics) : CircuitHandler
    {
        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            metrics.CircuitOpened();
            return Task.CompletedTask;
        }

        public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            metrics.CircuitClosed();
            return Task.CompletedTask;
        }
    }
}
