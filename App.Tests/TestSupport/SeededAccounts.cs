using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace NasDash.Tests.TestSupport;

/// <summary>An enrolled administrator put straight into the store, with everything a test needs to sign in as them.</summary>
public sealed record SeededAccount(Guid Id, string UserName, string Password, string SecretBase32, IReadOnlyList<string> Codes)
{
    public byte[] Secret => Base32Encoding.ToBytes(SecretBase32);

    /// <summary>The code an authenticator app shows at that moment.</summary>
    public string TotpAt(DateTimeOffset at) => new Totp(Secret).ComputeTotp(at.UtcDateTime);
}

/// <summary>Seeds accounts and settings through the running app's own services.</summary>
public static class SeededAccounts
{
    /// <summary>The same enrolled administrator as <see cref="TestAdministrators.Seed"/>, in the shape the browser tests use.</summary>
    public static SeededAccount Create(IServiceProvider services, string userName, string password = TestPasswords.Default)
    {
        var admin = TestAdministrators.Seed(services, userName, password);
        return new SeededAccount(admin.Id, userName, password, Base32Encoding.ToString(admin.Secret), admin.Codes);
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

    /// <summary><c>nasdash console unlock</c>, through the running server's own administration service; returns the enrolment code it printed.</summary>
    public static async Task<string> ConsoleUnlockAsync(IServiceProvider services, string userName)
    {
        var result = await services.GetRequiredService<AccountAdministration>().UnlockAsync(userName, AccountAdministration.ConsoleClient);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(result.Message);
        }

        return EnrolmentCodeIn(result.Message);
    }

    /// <summary>The code of the console's line "Enrolment code for &lt;user&gt;: XXXX-XXXX-XXXX-XXXX (valid until …)".</summary>
    public static string EnrolmentCodeIn(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"^Enrolment code for \S+: (\S+) \(valid until ", System.Text.RegularExpressions.RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"No enrolment code in: {output}");

    public static Account Stored(IServiceProvider services, string userName) =>
        services.GetRequiredService<IAccountStore>().FindByName(Account.Normalize(userName)) ?? throw new InvalidOperationException($"No account {userName}.");
}
