namespace NasDash.Features.Setup;

/// <summary>Proof, held by one wizard session, that its user entered the right setup token.</summary>
public sealed class SetupGrant
{
    internal SetupGrant()
    {
    }
}

/// <summary>The chosen administrator: the name and the password's hash only (the plaintext is gone once hashed).</summary>
public sealed record AdministratorDraft(string UserName, string PasswordHash);

public abstract record TokenResult
{
    private TokenResult()
    {
    }

    public sealed record Accepted(SetupGrant Grant) : TokenResult;
    public sealed record Wrong(DateTimeOffset? RetryAfter) : TokenResult;
    public sealed record Throttled(DateTimeOffset Until) : TokenResult;
    public sealed record AlreadySetUp : TokenResult;
}

public abstract record AdministratorResult
{
    private AdministratorResult()
    {
    }

    public sealed record Accepted(AdministratorDraft Draft) : AdministratorResult;
    /// <summary>Messages per field name of <see cref="NasDash.Security.Accounts.NewPassword"/>.</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : AdministratorResult;
}

public abstract record SetupResult
{
    private SetupResult()
    {
    }

    /// <summary>The administrator exists with 2FA active; the appliance is set up.</summary>
    public sealed record Completed(Guid AccountId, string UserName) : SetupResult;
    /// <summary>Another browser finished first (or an administrator exists): nothing was written.</summary>
    public sealed record AlreadySetUp : SetupResult;
    public sealed record NotReady(string Message) : SetupResult;
}
