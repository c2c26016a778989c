
namespace NasDash.Features.Dashboard;

/// <summary>The dashboard's security card, read from the store.</summary>
public sealed class SecurityOverview(IAccountStore accounts, ISettingsStore settings, IAlertStore alerts, RefusedSignIns refused,
    Hosting.UntrustedForwarding forwarding, TimeProvider time)
{
    public SecuritySummary Read() => SecuritySummary.Of(accounts.All(), settings.Get(), alerts.Open().Count, time.GetUtcNow(), refused.InLastHour);

    /// <summary>Set when requests arrive through a proxy nobody trusted (see <see cref="Hosting.UntrustedForwarding"/>).</summary>
    public string? UntrustedProxyNotice => forwarding.Notice;
}
