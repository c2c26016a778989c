namespace NasDash.Security.Accounts;

/// <summary>The appliance's name as users and authenticator apps see it.</summary>
public sealed record ApplianceIdentity(string HostName);
