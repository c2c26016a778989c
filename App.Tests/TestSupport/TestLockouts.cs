using Microsoft.Extensions.DependencyInjection;

namespace NasDash.Tests.TestSupport;

/// <summary>A real lockout event, by the road every lockout takes: the account's move, committed through the ledger.</summary>
public static class TestLockouts
{
    /// <summary>T wrong authenticator codes for <paramref name="userName"/> (enrolled, in Normal): it moves to Recovery.</summary>
    public static void MoveToRecovery(IServiceProvider services, string userName, string? client = null)
    {
        var account = services.GetRequiredService<IAccountStore>().FindByName(userName) ?? throw new InvalidOperationException($"No account {userName}.");
        var policy = services.GetRequiredService<ISettingsStore>().Get().TwoFactor;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        while (account.TotpFailed(policy, now, client) is null)
        {
        }

        services.GetRequiredService<SecurityLedger>().Commit(account, new AuditEvent
        {
            At = now,
            UserName = account.UserName,
            ClientAddress = client,
            Event = AuditNames.LoginTotp.Id,
            Outcome = "failed",
            Detail = $"failures={account.TotpFailures}",
        });
    }
}
