using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// An enrolled administrator put straight into the store, with what a test needs to act as them: the password,
/// the TOTP secret and the plaintext backup codes.
/// </summary>
public sealed class SeededAdmin(Guid id, string userName, string password, byte[] secret, IReadOnlyList<string> codes, long lastStep)
{
    public Guid Id { get; } = id;
    public string UserName { get; } = userName;
    public string Password { get; } = password;
    public byte[] Secret { get; } = secret;
    public IReadOnlyList<string> Codes { get; } = codes;

    /// <summary>The highest time step this test has handed out; the server accepts only later ones.</summary>
    public long LastStep { get; private set; } = lastStep;

    /// <summary>
    /// A code the server accepts now: the current time step, or the next one (inside the ±1 window) when the
    /// current one was used. Waits for the clock only if both were used.
    /// </summary>
    public async Task<string> NextCodeAsync(TimeProvider time)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            var step = now.ToUnixTimeSeconds() / TotpVerifier.StepSeconds;
            var next = Math.Max(LastStep + 1, step);
            if (next <= step + 1)
            {
                LastStep = next;
                return CodeAt(next);
            }

            await Task.Delay(TimeSpan.FromSeconds((step + 1) * TotpVerifier.StepSeconds - now.ToUnixTimeSeconds() + 0.2), time);
        }
    }

    public string CodeAt(long step) =>
        new Totp(Secret, TotpVerifier.StepSeconds, OtpHashMode.Sha1, TotpVerifier.Digits)
            .ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * TotpVerifier.StepSeconds).UtcDateTime);
}

public static class TestAdministrators
{
    /// <summary>
    /// Enrols through the real <see cref="EnrolmentService"/> (verify, issue, download, seal) and inserts the account;
    /// marks setup complete. The enrolment is verified with the previous step's code so the current one stays usable.
    /// </summary>
    public static SeededAdmin Seed(IServiceProvider services, string userName, string password = TestPasswords.Default, Action<Account>? adjust = null)
    {
        var enrolments = services.GetRequiredService<EnrolmentService>();
        var time = services.GetRequiredService<TimeProvider>();
        var passwords = services.GetRequiredService<PasswordHashing>();
        var enrolment = enrolments.Start(userName);
        var secret = Base32Encoding.ToBytes(enrolment.SecretBase32);
        var admin = new SeededAdmin(Guid.Empty, userName, password, secret, [], -1);
        for (var attempt = 0; !enrolment.TotpVerified; attempt++)
        {
            var step = time.GetUtcNow().ToUnixTimeSeconds() / TotpVerifier.StepSeconds;
            if (enrolments.VerifyTotp(enrolment, admin.CodeAt(step - 1)) != TotpOutcome.Accepted && attempt > 2)
            {
                throw new InvalidOperationException("The enrolment code was refused.");
            }
        }

        var codes = enrolments.IssueCodes(enrolment);
        enrolments.MarkDownloaded(enrolment);
        var (protectedSecret, verifiedStep, stored) = enrolments.Seal(enrolment, confirmed: true);
        var now = time.GetUtcNow();
        var account = Account.CreateEnrolled(userName, passwords.Hash(password), now, protectedSecret, verifiedStep, stored);
        adjust?.Invoke(account);
        if (!services.GetRequiredService<IAccountStore>().TryInsert(account))
        {
            throw new InvalidOperationException($"{userName} exists already.");
        }

        SeededAccounts.CompleteSetup(services);
        return new SeededAdmin(account.Id, userName, password, secret, codes, verifiedStep);
    }

    /// <summary>An administrator with a password only, who must enrol at the next sign-in.</summary>
    public static Account SeedUnenrolled(IServiceProvider services, string userName, string password = TestPasswords.Default)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var account = Account.Create(userName, services.GetRequiredService<PasswordHashing>().Hash(password), time.GetUtcNow());
        services.GetRequiredService<IAccountStore>().TryInsert(account);
        return account;
    }

    /// <summary>Moves a stored account through its transitions (see <see cref="AccountStates"/>) as a test scenario needs.</summary>
    public static void Adjust(IServiceProvider services, Guid id, Action<Account> change)
    {
        var accounts = services.GetRequiredService<IAccountStore>();
        var account = accounts.FindById(id) ?? throw new InvalidOperationException("No such account.");
        change(account);
        accounts.SaveSetUp(account);
    }

    /// <summary>
    /// Replaces the account's set with one of <paramref name="count"/> codes, smaller than the settings allow: the
    /// state a set that cannot serve a recovery is in, for the checks that guard against it.
    /// </summary>
    public static void GiveSetOf(IServiceProvider services, Guid id, int count) => Adjust(services, id, a =>
        a.BackupCodesRenewed(new BackupCodes(services.GetRequiredService<TimeProvider>(), iterations: 10).Generate(count).Stored));
}
