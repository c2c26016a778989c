using NasDash.Security;

namespace NasDash.Features.Dashboard;

/// <summary>The dashboard's security card, read from the store.</summary>
public sealed class SecurityOverview(IAccountStore accounts, ISettingsStore settings, IAlertStore alerts, TimeProvider time)
{
    public SecuritySummary Read() => SecuritySummary.Of(accounts.All(), settings.Get(), alerts.Open().Count, time.GetUtcNow());
}
