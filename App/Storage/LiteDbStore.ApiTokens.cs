using NasDash.Security;

namespace NasDash.Storage;

/// <summary>API tokens: minting and revoking commit with their audit entry, so with their notice.</summary>
public sealed partial class LiteDbStore : IApiTokenStore
{
    private const string ApiTokens = "apitokens";

    public IReadOnlyList<ApiToken> AllTokens() => Db.GetCollection<ApiToken>(ApiTokens).FindAll().ToList();

    public void InsertToken(ApiToken token, AuditEvent audit) =>
        InTransaction(() =>
        {
            Db.GetCollection<ApiToken>(ApiTokens).Insert(token);
            RecordAudit(audit, null, null);
        });

    public bool DeleteToken(Guid id, AuditEvent? audit) =>
        Write(() =>
        {
            var deleted = Db.GetCollection<ApiToken>(ApiTokens).Delete(id);
            if (deleted && audit is not null)
            {
                RecordAudit(audit, null, null);
            }

            return deleted;
        });

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
