namespace NasDash.Security.Api;

/// <summary>API tokens, durable on return; inside a transaction (<see cref="ApplianceFacts"/>) they join it.</summary>
public interface IApiTokenStore
{
    IReadOnlyList<ApiToken> AllTokens();
    void InsertToken(ApiToken token);
    /// <summary>False when no such token is stored.</summary>
    bool DeleteToken(Guid id);
    /// <summary>Saves the "last used" times kept in memory, without an audit entry.</summary>
    void SaveLastUsed(IReadOnlyDictionary<Guid, DateTimeOffset> lastUsed);
}
