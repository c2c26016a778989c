using NasDash.Features.Console;
using NasDash.Tests.TestSupport;
using OtpNet;
using Spectre.Console.Testing;

namespace NasDash.Tests.Fleet;

/// <summary>
/// pam_nasdash.so's fallback on a fleet appliance whose server is not running: `nasdash console ssh-code` decides on the
/// fleet's ledger in etcd, so an SSH guess there counts wherever the account is used and a code it accepted is used
/// everywhere.
/// </summary>
public sealed class FleetSshCodeTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task NoServerRunning_WrongCodeCountsOnTheFleet_RightCodeIsUsedThereOnce()
    {
        using var fleet = new TestFleet(fixture.Cluster, 1);
        using var stopped = new TempDirectory();
        var alice = fleet[0].CreateEnrolledAccount("alice");

        var wrong = await SshCodeAsync(fleet.Settings, stopped.Path, fleet[0].WrongCode(alice));
        Assert.Equal((ConsoleMode.Refused, ""), (wrong.Exit, wrong.Output));
        Assert.True(wrong.Error.Contains("Wrong code. 4 more wrong codes (by SSH or on the web) move the account to recovery.", StringComparison.Ordinal), wrong.Error);
        Assert.Equal(1, fleet[0].Stored(alice).TotpFailures);

        // The console runs on the real clock.
        var now = DateTime.UtcNow;
        var code = new Totp(alice.TotpSecret).ComputeTotp(now);
        var accepted = await SshCodeAsync(fleet.Settings, stopped.Path, code);
        Assert.Equal(ConsoleMode.Done, accepted.Exit);
        var stored = fleet[0].Stored(alice);
        Assert.Equal(0, stored.TotpFailures);
        Assert.True(stored.SecondFactor.LastTotpStep >= new DateTimeOffset(now).ToUnixTimeSeconds() / TotpVerifier.StepSeconds, stored.SecondFactor.LastTotpStep.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var again = await SshCodeAsync(fleet.Settings, stopped.Path, code);
        Assert.Contains("That code was already used", again.Error, StringComparison.Ordinal);
        Assert.Contains(fleet[0].AuditOf("alice", "login.totp"), e => e.Outcome == "succeeded" && e.ClientAddress == "192.0.2.7");
    }

    private static async Task<(int Exit, string Output, string Error)> SshCodeAsync(IReadOnlyDictionary<string, string?> settings, string data, string code)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var ansi = new TestConsole();
        var exit = await ConsoleMode.RunAsync(["console", "ssh-code", "alice", "--data", data, "--client", "192.0.2.7"],
            new ConsoleIo(new StringReader(code + "\n"), output, error, ansi), settings);
        return (exit, output.ToString(), error.ToString());
    }
}
