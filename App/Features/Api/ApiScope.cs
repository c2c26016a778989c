
namespace NasDash.Features.Api;

/// <summary>Endpoint metadata: the scope a token needs for this endpoint. Every /api/v1 and /metrics endpoint declares one or <see cref="ApiPublic"/>.</summary>
public sealed record ApiScope(ApiScopes Scope);

/// <summary>Endpoint metadata: served without a token (the OpenAPI document only).</summary>
public sealed record ApiPublic;

/// <summary>Endpoint metadata: the query parameters an endpoint reads; any other is refused with 400.</summary>
public sealed record ApiQuery(params string[] Names);
