using Microsoft.Extensions.DependencyInjection;
using NasDash.Security;
using OtpNet;

namespace NasDash.Tests.TestSupport;

/// <summary>An enrolled administrator put straight into the store, with everything a test needs to sign in as them.</summary>
public sealed record SeededAccount(Guid Id, string UserName, string Password, string SecretBase32, IReadOnlyList<string> Codes)
{
    public byte[] Secret => Base32Encoding.ToBytes(SecretBase32);

    /// <summary>The code an authenticator app shows at that moment.</summary>
    public string TotpAt(DateTimeOffset at) => new Totp(Secret).ComputeTotp(at.UtcDateTime);
}

/// <summary>
/// Seeds accounts through the running app's own services (the same path setup takes): password hash,
/// enrolment with a verified code, issued and downloaded codes, sealed and inserted. Setup is marked complete.
/// </summary>
public static class SeededAccounts
{
    public const string DefaultPassword = "correct horse battery staple";

    public static SeededAccount Create(IServiceProvider services, string userName, string password = DefaultPassword)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var enrolments = services.GetRequiredService<EnrolmentService>();
        var accounts = services.GetRequiredService<IAccountStore>();
        CompleteSetup(services);

        var enrolment = enrolments.Start(userName);
        // Verified with the previous step's code (inside the default window), so signing in with the current code is not a replay.
        var earlier = new Totp(enrolment.Secret).ComputeTotp((time.GetUtcNow() - TimeSpan.FromSeconds(TotpVerifier.StepSeconds)).UtcDateTime);
        if (enrolments.VerifyTotp(enrolment, earlier) != TotpOutcome.Accepted)
        {
            throw new InvalidOperationException("Seeding needs a TOTP window of at least 1.");
        }

        var codes = enrolments.IssueCodes(enrolment);
        enrolments.MarkDownloaded(enrolment);
        var (protectedSecret, step, stored) = enrolments.Seal(enrolment, confirmed: true);
        var account = new Account
        {
            UserName = userName,
            NormalizedUserName = Account.Normalize(userName),
            PasswordHash = services.GetRequiredService<PasswordHashing>().Hash(password),
            ProtectedTotpSecret = protectedSecret,
            LastTotpStep = step,
            BackupCodes = stored,
            CreatedAt = time.GetUtcNow(),
        };
        if (!accounts.TryInsert(account))
        {
            throw new InvalidOperationException($"{userName} exists already.");
        }

        return new SeededAccount(account.Id, userName, password, enrolment.SecretBase32, codes);
    }

    public static void CompleteSetup(IServiceProvider services)
    {
        var settings = services.GetRequiredService<ISettingsStore>();
        var current = settings.Get();
        if (!current.SetupCompleted)
        {
            current.SetupCompleted = true;
            current.SetupCompletedAt = services.GetRequiredService<TimeProvider>().GetUtcNow();
            settings.Save(current);
        }
    }

    public static void ConfigureTwoFactor(IServiceProvider services, Func<TwoFactorSettings, TwoFactorSettings> change)
    {
        var settings = services.GetRequiredService<ISettingsStore>();
        var current = settings.Get();
        current.TwoFactor = change(current.TwoFactor);
        settings.Save(current);
    }

    /// <summary><c>nasdash console unlock</c>, through the running server's own administration service.</summary>
    public static async Task ConsoleUnlockAsync(IServiceProvider services, string userName)
    {
        var result = await services.GetRequiredService<AccountAdministration>().UnlockAsync(userName, AccountAdministration.ConsoleClient);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(result.Message);
        }
    }

    public static Account Stored(IServiceProvider services, string userName) =>
        services.GetRequiredService<IAccountStore>().FindByName(Account.Normalize(userName)) ?? throw new InvalidOperationException($"No account {userName}.");
}
