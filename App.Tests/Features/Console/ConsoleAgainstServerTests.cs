using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Console;

/// <summary>
/// `nasdash console` as a separate process while the server runs: the request crosses the real admin socket,
/// the server makes the change and honours it at once, without a restart.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConsoleAgainstServerTests : IDisposable
{
    private static readonly string[] WrongCodes = ["AAAA-AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB-BBBB"];
    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Unlock_SuperLockedByFailedRecoveries_UserSignsInAndIsSentToEnrolmentWithoutRestart()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));
        await using var server = new NasDashServer(_data.Path);
        var signIn = server.Services.GetRequiredService<SignInService>();
        var store = server.Services.GetRequiredService<LiteDbStore>();
        var ended = new List<Guid>();
        server.Services.GetRequiredService<SecurityEvents>().SessionsEnded += ended.Add;
        await SuperLockAsync(signIn, "alice");
        Assert.IsType<PasswordStepResult.SuperLocked>(await signIn.SubmitPasswordAsync("alice", TestPasswords.Default, "192.0.2.7", TestContext.Current.CancellationToken));
        Assert.Contains(store.Open(), a => a.Key == "superlocked:alice");
        ended.Clear();

        var status = await ConsoleAsync("status", "--json", "--data", _data.Path);
        var unlock = await ConsoleAsync("unlock", "alice", "--data", _data.Path);

        Assert.Equal("server", Json(status).GetProperty("via").GetString());
        Assert.Equal((0, ""), (unlock.Exit, unlock.Error));
        Assert.StartsWith("Unlocked alice (was SuperLocked).", unlock.Output, StringComparison.Ordinal);
        var password = await signIn.SubmitPasswordAsync("alice", TestPasswords.Default, "192.0.2.7", TestContext.Current.CancellationToken);
        var challenge = Assert.IsType<PasswordStepResult.EnrolmentCodeRequired>(password).ChallengeId;
        var enrolment = Assert.IsType<SecondFactorResult.SignedIn>(
            await signIn.SubmitEnrolmentCodeAsync(challenge, SeededAccounts.EnrolmentCodeIn(unlock.Output), "192.0.2.7", TestContext.Current.CancellationToken));
        using var browser = server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var complete = await HttpSignIn.RedeemAsync(server.Services, browser, enrolment.SignInTicket);
        Assert.Equal(HttpStatusCode.Redirect, complete.StatusCode);
        Assert.Equal("/enrol", complete.Headers.Location?.OriginalString);
        Assert.Contains(complete.Headers.GetValues("Set-Cookie"), c => c.StartsWith("nasdash.session=", StringComparison.Ordinal));
        Assert.Equal([enrolment.AccountId], ended.Distinct());
        Assert.DoesNotContain(store.Open(), a => a.Key == "superlocked:alice");
        Assert.Contains(store.Open(), a => a.Key == "console-unlock:alice" && a.Severity == AlertSeverity.Info);
        var audit = Assert.Single(store.Query(new AuditQuery(EventPrefix: "console.")));
        Assert.Equal(("console.unlock", AccountAdministration.ConsoleClient), (audit.Event, audit.ClientAddress));
        Assert.Contains("(uid ", audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetPassword_WhileServerRuns_NewPasswordAcceptedAtOnce()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));
        await using var server = new NasDashServer(_data.Path);
        var signIn = server.Services.GetRequiredService<SignInService>();

        var reset = await NasDashProcess.ConsoleAsync(["reset-password", "alice", "--password-stdin", "--data", _data.Path], _data.Path, stdin: "a new long passphrase\n");

        Assert.Equal((0, ""), (reset.Exit, reset.Error));
        Assert.IsType<PasswordStepResult.SecondFactorRequired>(await signIn.SubmitPasswordAsync("alice", "a new long passphrase", null, TestContext.Current.CancellationToken));
        Assert.IsType<PasswordStepResult.InvalidCredentials>(await signIn.SubmitPasswordAsync("alice", TestPasswords.Default, null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Unlock_TwoConsolesRacingThroughServer_AreSerialisedAndOnlyTheLastPrintedCodeWorks()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.SuperLocked("alice", DateTimeOffset.UtcNow));
        await using var server = new NasDashServer(_data.Path);
        var store = server.Services.GetRequiredService<LiteDbStore>();

        var runs = await Task.WhenAll(ConsoleAsync("unlock", "alice", "--data", _data.Path), ConsoleAsync("unlock", "alice", "--data", _data.Path));

        Assert.Equal([0, 0], runs.Select(r => r.Exit));
        var alice = store.FindByName("alice")!;
        Assert.Single(runs, r => alice.EnrolmentCode.Matches(BackupCodes.Normalize(SeededAccounts.EnrolmentCodeIn(r.Output))!));
        Assert.Equal(2, store.Count(new AuditQuery(EventPrefix: "console.unlock")));
        Assert.Equal(AccountState.Normal, store.FindByName("alice")!.State);
    }

    [Fact]
    public async Task Unlock_TwoConsolesRacingWithoutServer_OneUnlocksOtherRefusesCleanly()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.SuperLocked("alice", DateTimeOffset.UtcNow));

        var runs = await Task.WhenAll(ConsoleAsync("unlock", "alice", "--data", _data.Path), ConsoleAsync("unlock", "alice", "--data", _data.Path));

        // Either the second waited its turn (and issued a newer code), or it found the store in use and said so.
        Assert.Contains(runs, r => r.Exit == 0);
        Assert.All(runs.Where(r => r.Exit != 0), r => Assert.Contains("is in use", r.Error, StringComparison.Ordinal));
        using var store = _data.OpenStore();
        Assert.Equal(runs.Count(r => r.Exit == 0), store.Count(new AuditQuery(EventPrefix: "console.unlock")));
        Assert.Equal(AccountState.Normal, store.FindByName("alice")!.State);
    }

    [Fact]
    public async Task ServerProcess_UnlockThenKilled_ConsoleUsesSocketThenStoreDespiteStaleSocket()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.SuperLocked("alice", DateTimeOffset.UtcNow));
        using var server = NasDashProcess.StartServer(_data.Path);
        try
        {
            var before = await WaitForServerAsync(server);
            var unlock = await ConsoleAsync("unlock", "alice", "--data", _data.Path);
            var after = Json(await ConsoleAsync("status", "--json", "--data", _data.Path));

            Assert.Equal("SuperLocked", before.GetProperty("accounts")[0].GetProperty("state").GetString());
            Assert.Equal((0, ""), (unlock.Exit, unlock.Error));
            Assert.Equal("server", after.GetProperty("via").GetString());
            Assert.Equal("Normal", after.GetProperty("accounts")[0].GetProperty("state").GetString());
            Assert.True(after.GetProperty("accounts")[0].GetProperty("mustEnrol").GetBoolean());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_data.SocketPath));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(_data.SocketPath), "a killed server leaves its socket file behind");
        var stale = await ConsoleAsync("status", "--json", "--data", _data.Path);
        Assert.Equal((0, ""), (stale.Exit, stale.Error));
        Assert.Equal("store", Json(stale).GetProperty("via").GetString());
        Assert.Equal("Normal", Json(stale).GetProperty("accounts")[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Status_DataDirectoryFromEnvironment_ResolvedLikeTheServerRelativeToWorkingDirectory()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));
        var parent = Path.GetDirectoryName(_data.Path)!;

        var run = await NasDashProcess.ConsoleAsync(["status", "--json"], parent,
            environment: new Dictionary<string, string> { ["NasDash__DataDirectory"] = Path.GetFileName(_data.Path) });

        Assert.Equal((0, ""), (run.Exit, run.Error));
        Assert.Equal(_data.Path, Json(run).GetProperty("dataDirectory").GetString());
    }

    [Fact]
    public async Task Status_DataDirectoryUnreadable_Exit1SaysWhoMayRunIt()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));
        string[]? runAs = null;
        var isRoot = Environment.UserName == "root";
        if (isRoot)
        {
            // Root reads everything: run as nobody, as an unprivileged user at the appliance's terminal would.
            runAs = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        }
        else
        {
            File.SetUnixFileMode(_data.Path, UnixFileMode.None);
        }

        try
        {
            var run = await NasDashProcess.ConsoleAsync(["unlock", "alice", "--data", _data.Path], "/", runAs: runAs,
                environment: new Dictionary<string, string> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp" });

            Assert.Equal(1, run.Exit);
            Assert.StartsWith($"nasdash console: Cannot read the data directory {_data.Path}", run.Error, StringComparison.Ordinal);
            Assert.Contains("Run the console as root or as the account NasDash runs as.", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            DataDirectory.RestrictDirectory(_data.Path);
        }
    }

    private Task<NasDashProcess.Result> ConsoleAsync(params string[] args) => NasDashProcess.ConsoleAsync(args, _data.Path);

    private static JsonElement Json(NasDashProcess.Result run)
    {
        Assert.True(run.Exit == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        return json.RootElement.Clone();
    }

    /// <summary>Password, then ten wrong pairs of backup codes: the real path to a super-lockout.</summary>
    private static async Task SuperLockAsync(SignInService signIn, string user)
    {
        var password = await signIn.SubmitPasswordAsync(user, TestPasswords.Default, "192.0.2.7", TestContext.Current.CancellationToken);
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password).ChallengeId;
        SecondFactorResult result;
        do
        {
            result = await signIn.SubmitBackupCodesAsync(challenge, WrongCodes, "192.0.2.7", TestContext.Current.CancellationToken);
        }
        while (result is SecondFactorResult.InvalidBackupCodes);

        Assert.IsType<SecondFactorResult.SuperLocked>(result);
    }

    /// <summary>Until the child server answers on its socket; returns the first status it gives.</summary>
    private async Task<JsonElement> WaitForServerAsync(System.Diagnostics.Process server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(server.HasExited, "the server exited during start-up");
            if (File.Exists(_data.SocketPath))
            {
                var status = await ConsoleAsync("status", "--json", "--data", _data.Path);
                if (status.Exit == 0 && Json(status).GetProperty("via").GetString() == "server")
                {
                    return Json(status);
                }
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("The server did not open its console socket within 90 s.");
    }
}
