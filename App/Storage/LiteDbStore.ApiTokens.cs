
namespace NasDash.Storage;

/// <summary>API tokens; minting and revoking join the transaction of their fact (<see cref="ApplianceFacts"/>).</summary>
public sealed partial class LiteDbStore : IApiTokenStore
{
    private const string ApiTokens = "apitokens";

    public IReadOnlyList<ApiToken> AllTokens() => Db.GetCollection<ApiToken>(ApiTokens).FindAll().ToList();

    public void InsertToken(ApiToken token) => Write(() => Db.GetCollection<ApiToken>(ApiTokens).Insert(token));

    public bool DeleteToken(Guid id) => Write(() => Db.GetCollection<ApiToken>(ApiTokens).Delete(id));

    public void SaveLastUsed(IReadOnlyDictionary<Guid, DateTimeOffset> lastUsed) =>
        InTransaction(() =>
        {
            var tokens = Db.GetCollection<ApiToken>(ApiTokens);
            foreach (var (id, at) in lastUsed)
            {
                if (tokens.FindById(id) is { } token)
                {
                    token.LastUsedAt = at;
                    tokens.Update(token);
                }
            }
        });
}
