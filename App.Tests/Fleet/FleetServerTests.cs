using System.Net;
using NasDash.Tests.Browser;
using NasDash.Tests.Features.Console;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// Three NasDash servers on one fleet (<see cref="ThreeServers"/>), each deciding through its own running services and
/// its own console socket: a guess counts once wherever it is made, and the console of any appliance frees an account
/// for all of them.
/// </summary>
public sealed class FleetServerTests(ThreeServers fleet) : IClassFixture<ThreeServers>
{
    [Fact]
    public async Task ThirtyWrongBackupSubmissionsSpreadOverTheThreeServersAtOnce_CountExactlyN_SuperLockedOnAllThree()
    {
        var n = fleet[1].Get<ISettingsStore>().Get().TwoFactor.MaxFailedBackupSubmissions;
        var victim = TestAdministrators.Seed(fleet[1].Services, "storm");
        var challenges = new List<(AppServer Server, string Challenge, int Codes)>();
        for (var i = 0; i < 30; i++)
        {
            var server = fleet.All[i % 3];
            var password = await server.Get<SignInService>().SubmitPasswordAsync("storm", victim.Password, "192.0.2.9", TestContext.Current.CancellationToken);
            var required = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password);
            challenges.Add((server, required.ChallengeId, required.RequiredCodes));
        }

        using var gate = new ManualResetEventSlim();
        var submissions = challenges.Select(c => Task.Run(async () =>
        {
            gate.Wait();
            var wrong = Enumerable.Range(0, c.Codes).Select(i => $"0000-0000-0000-000{i}").ToList<string?>();
            return await c.Server.Get<SignInService>().SubmitBackupCodesAsync(c.Challenge, wrong, "192.0.2.9");
        })).ToList();
        gate.Set();
        var results = await Task.WhenAll(submissions);

        Assert.Equal(n - 1, results.Count(r => r is SecondFactorResult.InvalidBackupCodes));
        Assert.Equal(30 - n + 1, results.Count(r => r is SecondFactorResult.SuperLocked));
        foreach (var server in fleet.All)
        {
            var stored = SeededAccounts.Stored(server.Services, "storm");
            Assert.Equal((AccountState.SuperLocked, n), (stored.State, stored.BackupFailures));
            Assert.IsType<PasswordStepResult.SuperLocked>(
                await server.Get<SignInService>().SubmitPasswordAsync("storm", victim.Password, "192.0.2.7", TestContext.Current.CancellationToken));
        }

        var counted = fleet[3].Get<IAuditLog>().Query(new AuditQuery(UserName: "storm", EventPrefix: "login.backup-codes", Take: 1000));
        Assert.Equal(n - 1, counted.Count(e => e.Outcome == "failed"));
        Assert.Single(counted, e => e.Outcome == "superlocked");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ConsoleUnlockOnServer3_OfAnAccountSuperLockedOnServer2_LetsTheOwnerInOnServer1WithTheEnrolmentCode()
    {
        var owner = TestAdministrators.Seed(fleet[1].Services, "locked-owner");
        var onServer2 = fleet[2].Get<SignInService>();
        var n = fleet[2].Get<ISettingsStore>().Get().TwoFactor.MaxFailedBackupSubmissions;
        for (var i = 0; i < n; i++)
        {
            var password = Assert.IsType<PasswordStepResult.SecondFactorRequired>(
                await onServer2.SubmitPasswordAsync("locked-owner", owner.Password, "192.0.2.9", TestContext.Current.CancellationToken));
            await onServer2.SubmitBackupCodesAsync(password.ChallengeId, [.. Enumerable.Range(0, password.RequiredCodes).Select(c => $"0000-0000-0000-000{c}")],
                "192.0.2.9", TestContext.Current.CancellationToken);
        }

        var onServer1 = fleet[1].Get<SignInService>();
        Assert.IsType<PasswordStepResult.SuperLocked>(await onServer1.SubmitPasswordAsync("locked-owner", owner.Password, "192.0.2.7", TestContext.Current.CancellationToken));

        // `nasdash console unlock` on server 3's own console: a separate process, through server 3's admin socket.
        var unlock = await NasDashProcess.ConsoleAsync(["unlock", "locked-owner", "--data", fleet[3].DataDirectory], fleet[3].DataDirectory);

        Assert.True((unlock.Exit, unlock.Error) == (0, ""), $"exit {unlock.Exit}: {unlock.Error}");
        Assert.StartsWith("Unlocked locked-owner (was SuperLocked).", unlock.Output, StringComparison.Ordinal);
        var code = SeededAccounts.EnrolmentCodeIn(unlock.Output);
        var challenge = Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(
            await onServer1.SubmitPasswordAsync("locked-owner", owner.Password, "192.0.2.7", TestContext.Current.CancellationToken)).ChallengeId;
        var signedIn = Assert.IsType<SecondFactorResult.SignedIn>(
            await onServer1.SubmitEnrolmentCodeAsync(challenge, code, "192.0.2.7", TestContext.Current.CancellationToken));
        using var browser = HttpSignIn.Browserless(fleet[1]);
        var complete = await HttpSignIn.RedeemAsync(fleet[1].Services, browser, signedIn.SignInTicket);
        Assert.Equal(HttpStatusCode.Redirect, complete.StatusCode);
        Assert.Equal("/enrol", complete.Headers.Location?.OriginalString);
        var audit = Assert.Single(fleet[2].Get<IAuditLog>().Query(new AuditQuery(UserName: "locked-owner", EventPrefix: "console.unlock")));
        Assert.Equal(AccountAdministration.ConsoleClient, audit.ClientAddress);
    }
}
