using Microsoft.AspNetCore.Routing;
using NasDash.Features.Api;
using NasDash.Tests.Browser;

namespace NasDash.Tests.Features.Api;

/// <summary>Every endpoint of /api/v1 and /metrics declares the scope it needs; an endpoint added without one fails here.</summary>
public sealed class ApiScopeTableTests
{
    private static readonly Dictionary<string, ApiScopes?> Declared = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/status"] = ApiScopes.Read,
        ["GET /api/v1/accounts"] = ApiScopes.Read,
        ["GET /api/v1/alerts"] = ApiScopes.Read,
        ["POST /api/v1/alerts/{id:guid}/acknowledge"] = ApiScopes.Alerts,
        ["GET /api/v1/audit"] = ApiScopes.Read,
        ["GET /metrics"] = ApiScopes.Metrics,
        // The document describes the API and holds nothing of the appliance's: no token needed.
        ["GET /api/v1/openapi.json"] = null,
    };

    [Fact]
    public void Endpoints_UnderApiAndMetrics_EachDeclareTheScopeOfTheTable()
    {
        using var server = new AppServer();
        var endpoints = server.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/api", StringComparison.Ordinal) || raw.StartsWith("/metrics", StringComparison.Ordinal)))
            .ToList();

        var found = new Dictionary<string, ApiScopes?>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var scope = endpoint.Metadata.GetMetadata<ApiScope>();
            var isPublic = endpoint.Metadata.GetMetadata<ApiPublic>() is not null;
            foreach (var method in methods)
            {
                var name = $"{method} {endpoint.RoutePattern.RawText}";
                Assert.True(scope is not null || isPublic, $"{name} declares no API scope");
                found[name] = scope?.Scope;
            }
        }

        Assert.Equal(Declared.OrderBy(d => d.Key, StringComparer.Ordinal), found.OrderBy(f => f.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Endpoints_WithAScope_OnlyRead_ExceptAcknowledgingAnAlert()
    {
        // No scope can change how anyone signs in: the one write the API has is an alert's acknowledgement.
        Assert.All(Declared.Where(d => !d.Key.StartsWith("GET ", StringComparison.Ordinal)), d => Assert.Equal("POST /api/v1/alerts/{id:guid}/acknowledge", d.Key));
        Assert.Equal(ApiScopes.Read | ApiScopes.Alerts | ApiScopes.Metrics, Declared.Values.OfType<ApiScopes>().Aggregate(ApiScopes.None, (a, b) => a | b));
    }
}
