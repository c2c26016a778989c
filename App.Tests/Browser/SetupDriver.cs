using Microsoft.Playwright;
using NasDash.Features.Setup;
using NasDash.Tests.TestSupport;
using OtpNet;

namespace NasDash.Tests.Browser;

/// <summary>The administrator a test created through the setup wizard, with everything its owner knows.</summary>
public sealed class SetupAdministrator(string userName, string password, string secretBase32, IReadOnlyList<string> backupCodes, long enrolmentStep)
{
    public string UserName { get; } = userName;
    public string Password { get; } = password;
    /// <summary>The TOTP secret as the page showed it (data-secret of totp-secret).</summary>
    public string SecretBase32 { get; } = secretBase32;
    public byte[] Secret => Base32Encoding.ToBytes(SecretBase32);
    /// <summary>The codes shown on the backup-codes step, in order, as XXXX-XXXX-XXXX-XXXX.</summary>
    public IReadOnlyList<string> BackupCodes { get; } = backupCodes;
    /// <summary>The last TOTP time step this administrator used (the server refuses it and earlier ones).</summary>
    public long LastUsedStep { get; private set; } = enrolmentStep;

    /// <summary>A code the server accepts now for this account, and remembers it as used.</summary>
    public async Task<string> NextCodeAsync(CancellationToken cancellationToken = default)
    {
        var (code, step) = await TotpCodes.NextAsync(Secret, LastUsedStep, cancellationToken);
        LastUsedStep = step;
        return code;
    }
}

/// <summary>
/// Drives the first-run wizard in a browser, as the appliance owner would: the token from the data directory,
/// the administrator, the authenticator code computed from the shown secret, the .txt download and the
/// confirmation. Other tests call <see cref="CompleteSetupAsync"/> to get an enrolled administrator.
/// </summary>
public static class SetupDriver
{
    public const string DefaultUserName = "owner";

    public static async Task<string> ReadTokenAsync(AppServer server) =>
        (await File.ReadAllTextAsync(Path.Combine(server.DataDirectory, "setup-token"))).Trim();

    /// <summary>
    /// Runs the whole wizard and waits for the sign-in page. <paramref name="onStep"/> is called on each step
    /// once it is shown (before its fields are filled), e.g. to take a screenshot.
    /// </summary>
    public static async Task<SetupAdministrator> CompleteSetupAsync(BrowserPage browser, AppServer server,
        string userName = DefaultUserName, string password = TestPasswords.Default, Func<string, Task>? onStep = null)
    {
        onStep ??= _ => Task.CompletedTask;
        await browser.GotoAsync("/setup");

        await EnterTokenAsync(browser, await ReadTokenAsync(server), onStep);
        await EnterAdministratorAsync(browser, userName, password, onStep);
        var (secret, step) = await VerifyAuthenticatorAsync(browser, onStep);
        var codes = await SaveBackupCodesAsync(browser, onStep);

        await browser.ButtonOf("setup-finish").WaitForAsync();
        await onStep("review");
        await browser.ClickAsync("setup-finish");
        await browser.WaitForUrlAsync("/login");
        return new SetupAdministrator(userName, password, secret, codes, step);
    }

    public static async Task EnterTokenAsync(BrowserPage browser, string token, Func<string, Task>? onStep = null)
    {
        await browser.InputOf("setup-token").WaitForAsync();
        await (onStep?.Invoke("token") ?? Task.CompletedTask);
        await browser.FillAsync("setup-token", token);
        await browser.ClickAsync("setup-next");
    }

    public static async Task EnterAdministratorAsync(BrowserPage browser, string userName, string password, Func<string, Task>? onStep = null)
    {
        await browser.InputOf("setup-username").WaitForAsync();
        await (onStep?.Invoke("administrator") ?? Task.CompletedTask);
        await browser.FillAsync("setup-username", userName);
        await browser.FillAsync("setup-password", password);
        await browser.FillAsync("setup-password-confirm", password);
        await browser.ClickAsync("setup-next");
    }

    /// <summary>Reads the secret shown, types the current code and moves on; returns the secret and the step used.</summary>
    public static async Task<(string SecretBase32, long Step)> VerifyAuthenticatorAsync(BrowserPage browser, Func<string, Task>? onStep = null)
    {
        await browser.ById("totp-qr").WaitForAsync();
        await (onStep?.Invoke("authenticator") ?? Task.CompletedTask);
        var secret = await browser.ById("totp-secret").GetAttributeAsync("data-secret")
            ?? throw new InvalidOperationException("totp-secret has no data-secret attribute.");
        var (code, step) = await TotpCodes.NextAsync(Base32Encoding.ToBytes(secret), -1);
        await browser.FillAsync("totp-code", code);
        await browser.ClickAsync("totp-verify");
        await browser.ById("totp-verified").WaitForAsync();
        await browser.ClickAsync("setup-next");
        return (secret, step);
    }

    /// <summary>Reads the codes shown, downloads the .txt, ticks "stored" and moves on; returns the codes.</summary>
    public static async Task<IReadOnlyList<string>> SaveBackupCodesAsync(BrowserPage browser, Func<string, Task>? onStep = null)
    {
        await browser.ById("backup-code").First.WaitForAsync();
        await (onStep?.Invoke("backup-codes") ?? Task.CompletedTask);
        var codes = await browser.TextsOfAsync("backup-code");
        await browser.DownloadAsync("backup-download-txt");
        await CheckStoredAsync(browser);
        await browser.ClickAsync("setup-next");
        return codes;
    }

    /// <summary>Ticks the "I have stored these codes" box once it is enabled (after a download).</summary>
    public static async Task CheckStoredAsync(BrowserPage browser)
    {
        var box = browser.InputOf("backup-saved");
        await Assertions.Expect(box).ToBeEnabledAsync();
        await box.CheckAsync();
    }

    /// <summary>
    /// Sets the appliance up without a browser, through the same services the wizard uses (token, administrator,
    /// verified enrolment, downloaded and confirmed codes): for tests that need a set-up appliance, not the wizard.
    /// </summary>
    public static async Task<SetupAdministrator> CompleteSetupThroughServicesAsync(AppServer server,
        string userName = DefaultUserName, string password = TestPasswords.Default)
    {
        var setup = server.Get<SetupService>();
        var enrolments = server.Get<EnrolmentService>();
        if (setup.VerifyToken(await ReadTokenAsync(server), "127.0.0.1") is not TokenResult.Accepted accepted)
        {
            throw new InvalidOperationException("The setup token was refused.");
        }

        if (await setup.PrepareAdministratorAsync(new NewPassword(userName, password, password)) is not AdministratorResult.Accepted administrator)
        {
            throw new InvalidOperationException($"The administrator {userName} was refused.");
        }

        var enrolment = enrolments.Start(userName);
        var (code, step) = await TotpCodes.NextAsync(Base32Encoding.ToBytes(enrolment.SecretBase32), -1);
        if (enrolments.VerifyTotp(enrolment, code) != TotpOutcome.Accepted)
        {
            throw new InvalidOperationException("The enrolment code was refused.");
        }

        var codes = enrolments.IssueCodes(enrolment);
        _ = enrolments.TextFile(enrolment, "http://nas-test/");
        enrolments.MarkDownloaded(enrolment);
        var result = await setup.CompleteAsync(accepted.Grant, administrator.Draft, enrolment, confirmed: true, "127.0.0.1");
        return result is SetupResult.Completed
            ? new SetupAdministrator(userName, password, enrolment.SecretBase32, codes, step)
            : throw new InvalidOperationException($"Setup gave {result}.");
    }

    /// <summary>
    /// Signs the administrator in through the sign-in service (password, then TOTP) and redeems the ticket in the
    /// browser, as the login page does; leaves the browser on <paramref name="returnUrl"/>.
    /// </summary>
    public static async Task SignInAsync(BrowserPage browser, AppServer server, SetupAdministrator administrator, string returnUrl = "/")
    {
        var signIn = server.Get<SignInService>();
        var password = await signIn.SubmitPasswordAsync(administrator.UserName, administrator.Password, "127.0.0.1");
        if (password is not PasswordStepResult.SecondFactorRequired required)
        {
            throw new InvalidOperationException($"Password step gave {password}.");
        }

        var second = await signIn.SubmitTotpAsync(required.ChallengeId, await administrator.NextCodeAsync(), "127.0.0.1");
        if (second is not SecondFactorResult.SignedIn signedIn)
        {
            throw new InvalidOperationException($"TOTP step gave {second}.");
        }

        await TestSupport.BrowserSignIn.RedeemAsync(browser, server, signedIn.SignInTicket, returnUrl);
    }
}
