using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace NasDash.Features.Api;

/// <summary>The REST API for scripts (/api/v1), its OpenAPI document, and the writer of API tokens' "last used".</summary>
public static class ApiFeature
{
    public static IServiceCollection AddApi(this IServiceCollection services)
    {
        services.AddHostedService<LastUsedWriter>();
        services.AddOpenApi("v1", options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "NasDash API",
                    Version = "v1",
                    Description = "Read the appliance's state and acknowledge alerts from scripts. Send `Authorization: Bearer nasdash_…` with a token " +
                        "made on /account; each operation names the scope it needs. No operation can change how anyone signs in. Prometheus " +
                        "metrics are at /metrics (scope `metrics`).",
                };
                document.Servers = [];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["token"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API token (nasdash_…) with the operation's scope.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiScope>().FirstOrDefault() is { } scope)
                {
                    var name = ApiToken.Describe(scope.Scope);
                    operation.Description = $"Needs a token with the scope `{name}`.";
                    operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                    operation.Extensions["x-nasdash-scope"] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(name));
                    operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("token", context.Document)] = [name] }];
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi();
        app.MapOpenApi(ApiEndpoints.DocumentPath).WithMetadata(new ApiPublic());
        return app;
    }

    /// <summary>Writes API tokens' "last used" once a minute (and at shut-down), never per request.</summary>
    private sealed class LastUsedWriter(ApiTokens tokens, TimeProvider time, ILogger<LastUsedWriter> log) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(ApiTokens.LastUsedWriteInterval, time);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    Flush();
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                Flush();
            }
        }

        private void Flush()
        {
            try
            {
                tokens.FlushLastUsed();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
            {
                log.LogWarning(ex, "API tokens' last-used times were not written; they are tried again in a minute");
            }
        }
    }
}
