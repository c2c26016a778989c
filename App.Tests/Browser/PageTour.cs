using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Browser;

/// <summary>
/// Every page a person meets, in the order they meet it, on one fresh appliance: each setup step, each sign-in
/// step, every signed-in page (with audit entries, an alert and an account in recovery to show), "My account" of
/// someone who must change their password, and the forced enrolment. <see cref="VisitAllAsync"/> calls back on each, for checks that must hold everywhere.
/// </summary>
public static class PageTour
{
    public static readonly string[] SignedInPages = ["/", "/users", "/account", "/settings/two-factor", "/settings/notifications", "/services/ssh", "/alerts", "/audit"];

    /// <param name="onPage">Called with a name for the page once it shows, settled (theme applied, circuit live).</param>
    public static async Task VisitAllAsync(BrowserPage b, AppServer server, Func<string, Task> onPage)
    {
        async Task Settled(string name)
        {
            await b.WaitInteractiveAsync();
            // The theme follows the browser's preference after the first render; let that paint before judging colours.
            await b.Page.WaitForTimeoutAsync(400);
            await b.Page.EvaluateAsync("() => window.scrollTo(0, 0)");
            await onPage(name);
        }

        var owner = await SetupDriver.CompleteSetupAsync(b, server, onStep: step => Settled($"setup-{step}"));
        await b.ById("login-setup-done").WaitForAsync();
        await Settled("login-after-setup");

        var bob = SeededAccounts.Create(server.Services, "bob");
        var dave = SeededAccounts.Create(server.Services, "dave");
        var erin = TestAdministrators.Seed(server.Services, "erin");
        TestAdministrators.Adjust(server.Services, erin.Id, a => a.RequirePasswordChange());
        await PutIntoRecoveryAsync(server, bob);

        await b.EnterPasswordAsync(owner.UserName, "not the password");
        await b.ErrorAsync();
        await Settled("login-password");
        await b.EnterPasswordAsync(owner.UserName, owner.Password);
        await b.InputOf("login-totp").WaitForAsync();
        await b.EnterTotpAsync("000000");
        await b.ErrorAsync();
        await Settled("login-totp");
        await b.ClickAsync("use-backup-codes");
        await b.InputOf("backup-input-1").WaitForAsync();
        await Settled("login-backup-codes");

        await SetupDriver.SignInAsync(b, server, owner);
        foreach (var path in SignedInPages)
        {
            await b.GotoAsync(path);
            await Settled(path);
        }

        await b.SignOutAsync();
        await BrowserSignIn.SignInAsync(b, server, erin, "/account");
        await Settled("/account-password-due");

        await b.SignOutAsync();
        await b.ReachBackupCodesAsync(dave);
        await b.SubmitBackupCodesAsync(dave.Codes[0], dave.Codes[1]);
        await b.WaitForUrlAsync("/enrol$");
        await b.WaitInteractiveAsync();
        var secret = await b.ById("totp-secret").GetAttributeAsync("data-secret") ?? "";
        await b.FillAsync("totp-code", new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp());
        await b.ClickAsync("totp-verify");
        await b.ById("backup-code").First.WaitForAsync();
        await Settled("enrol");
    }

    /// <summary>T wrong codes through the sign-in service: audit entries of several outcomes and an open alert.</summary>
    private static async Task PutIntoRecoveryAsync(AppServer server, SeededAccount account)
    {
        var signIn = server.Get<SignInService>();
        var password = await signIn.SubmitPasswordAsync(account.UserName, account.Password, "127.0.0.1");
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password).ChallengeId;
        for (var i = 0; i < 5; i++)
        {
            if (await signIn.SubmitTotpAsync(challenge, LoginSteps.WrongCode(account), "127.0.0.1") is SecondFactorResult.MovedToRecovery)
            {
                return;
            }
        }

        throw new InvalidOperationException($"{account.UserName} did not move to recovery.");
    }
}
