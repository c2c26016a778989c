using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using NasDash.Features.Console;
using NasDash.Features.Ssh;
using NasDash.Fleet;
using NasDash.Storage;
using NasDash.Tests.Features.Ssh;
using NasDash.Tests.TestSupport;
using Spectre.Console.Testing;

namespace NasDash.Tests.Fleet;

/// <summary>Each appliance's one watch on the fleet: what another appliance changed is told here within a second or two.</summary>
public sealed class FleetWatchTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task AccountMadeOnA_PublishedOnB_AndInItsLocalCopy()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2);
        var watch = await FleetTesting.StartWatchAsync(fleet[1]);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<StoreChange>();
        watch.Changed += seen.Enqueue;

        var clock = Stopwatch.StartNew();
        var alice = fleet[0].CreateEnrolledAccount("alice");

        await FleetTesting.UntilAsync(() => seen.Contains(new StoreChange.AccountChanged(alice.Id)), TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"published after {clock.Elapsed}");
        await FleetTesting.CaughtUpAsync(fleet[1]);
    }

    [Fact]
    public async Task LockoutEventOnA_ShutsSshOffOnB_ReEnabledOnB_SshBackOnA()
    {
        using var shared = new TempDirectory();
        var settings = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        using var a = SshAppliance(shared, "a", settings);
        using var b = SshAppliance(shared, "b", settings);
        a.SetSshTwoFactor(true);
        var bob = a.AddAdministrator("bob");
        var dropInOnA = Path.Combine(shared.Path, "a", "sshd_config.d", SshDaemon.DropInFileName);
        var dropInOnB = Path.Combine(shared.Path, "b", "sshd_config.d", SshDaemon.DropInFileName);
        await FleetTesting.CaughtUpAsync(b.Get<EtcdFleetOptions>(), b.Get<FleetWatch>());

        var clock = Stopwatch.StartNew();
        await a.FailBackupCodesAsync(bob);
        await b.ShutOffAppliedAsync();

        Assert.True(File.Exists(dropInOnB), "B's sshd refuses every login");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"applied on B after {clock.Elapsed}");
        Assert.Contains(b.Audit("ssh.disabled"), e => e.Detail!.Contains("from the fleet", StringComparison.Ordinal));
        await FleetTesting.UntilAsync(() => File.Exists(dropInOnA), TimeSpan.FromSeconds(10));

        Assert.True(b.EnableFromConsole("root").Succeeded);
        await FleetTesting.UntilAsync(() => !File.Exists(dropInOnA), TimeSpan.FromSeconds(5));
        Assert.False(File.Exists(dropInOnB));
    }

    private static SshCore SshAppliance(TempDirectory shared, string name, Dictionary<string, string?> fleet)
    {
        var root = Directory.CreateDirectory(Path.Combine(shared.Path, name)).FullName;
        Directory.CreateDirectory(Path.Combine(root, "proc"));
        Directory.CreateDirectory(Path.Combine(root, "sshd_config.d"));
        return new SshCore(Path.Combine(root, "sshd_config.d"), Path.Combine(root, "sshd.pid"), Path.Combine(root, "proc"), reconcile: true, settings: fleet);
    }
}

/// <summary>The watch across lost members: each member in turn is killed, and the changes made meanwhile still arrive.</summary>
public sealed class FleetWatchFaultTests
{
    [Fact]
    public async Task EachMemberKilledInTurn_TheWatchResumesAndMissesNothing()
    {
        using var cluster = new EtcdCluster();
        using var fleet = new TestFleet(cluster, 2);
        var watch = await FleetTesting.StartWatchAsync(fleet[1]);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<StoreChange>();
        watch.Changed += seen.Enqueue;

        for (var member = 0; member < 3; member++)
        {
            cluster.Kill(member);
            // A killed leader means an election; the write waits for it (A's store refuses rather than guess meanwhile).
            cluster.WaitUntilWritable(TimeSpan.FromSeconds(30));
            var account = fleet[0].CreateEnrolledAccount($"user{member}");
            // The watch's own worst case for resuming after a lost member, with room for the election on a loaded machine.
            await FleetTesting.UntilAsync(() => seen.Contains(new StoreChange.AccountChanged(account.Id)), FleetWatch.LongestResume + TimeSpan.FromSeconds(10),
                () => $"member {member} killed; the watch's problem: {watch.Problem ?? "none"}, its copy at revision {watch.CopyRevision}");
            cluster.Restart(member);
            cluster.WaitUntilWritable(TimeSpan.FromSeconds(30));
        }

        await FleetTesting.CaughtUpAsync(fleet[1]);
    }
}

/// <summary>`fleet status`, `fleet leave` and `fleet join` on the console, against a real cluster.</summary>
public sealed class FleetConsoleTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task Status_PrintsMembersLeaderQuorumRevisionAndLag()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2);
        await FleetTesting.StartWatchAsync(fleet[1]);
        fleet[0].CreateEnrolledAccount("alice");
        await FleetTesting.CaughtUpAsync(fleet[1]);
        fleet[1].Close();

        var run = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "status", "--data", fleet[1].DataDirectory);
        var json = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "status", "--json", "--data", fleet[1].DataDirectory);

        Assert.Equal((0, ""), (run.Exit, run.Error));
        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries);
        var members = lines.Where(l => l.Contains(" id ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, m => Assert.Contains("http://127.0.0.1:", m, StringComparison.Ordinal));
        Assert.Single(members, m => m.EndsWith("leader", StringComparison.Ordinal));
        Assert.Matches(@"^Leader: m\d \([0-9a-f]{16}\)$", Assert.Single(lines, l => l.StartsWith("Leader:", StringComparison.Ordinal)));
        Assert.Contains("Quorum: yes, 3 of 3 members reachable", lines);
        var revision = long.Parse(Assert.Single(lines, l => l.StartsWith("Revision:", StringComparison.Ordinal))["Revision: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var copy = System.Text.RegularExpressions.Regex.Match(run.Output, @"Local copy: revision (\d+), lag (\d+)");
        Assert.True(copy.Success, run.Output);
        var copyRevision = long.Parse(copy.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(copyRevision > 0);
        Assert.Equal(Math.Max(0, revision - copyRevision), long.Parse(copy.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, json.Exit);
        using var document = System.Text.Json.JsonDocument.Parse(json.Output);
        Assert.True(document.RootElement.GetProperty("quorum").GetBoolean());
        Assert.Equal("direct", document.RootElement.GetProperty("via").GetString());
    }

    [Fact]
    public async Task Leave_WithTheFleetGone_OwnerSignsInStandaloneWithSamePasswordTotpAndBackupCodes()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2);
        await FleetTesting.StartWatchAsync(fleet[1]);
        var alice = fleet[0].CreateEnrolledAccount("alice");
        Assert.IsType<SecondFactorResult.SignedIn>(await fleet[0].SignIn.SubmitTotpAsync(await fleet[0].ChallengeAsync(alice), fleet[0].NextCode(alice), "192.0.2.1",
            TestContext.Current.CancellationToken));
        await FleetTesting.CaughtUpAsync(fleet[1]);
        var b = fleet[1];
        b.Close();
        // The fleet is gone: no member answers at these endpoints.
        var gone = new Dictionary<string, string?>(fleet.Settings) { ["NasDash:Fleet:Etcd:Endpoints"] = "http://127.0.0.1:9,http://127.0.0.1:10" };

        var leave = await FleetTesting.ConsoleAsync(gone, "fleet", "leave", "--data", b.DataDirectory);

        Assert.Equal((0, ""), (leave.Exit, leave.Error));
        Assert.StartsWith("This appliance is standalone again: 1 administrator(s) (alice)", leave.Output, StringComparison.Ordinal);
        using var standalone = new CoreHarness(settings: gone, dataDirectory: b.DataDirectory);
        Assert.NotNull(standalone.Store);
        Assert.Single(standalone.Audit.Query(new AuditQuery(EventPrefix: "console.fleet-leave")));
        standalone.Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds * 2));
        var totp = await standalone.SignIn.SubmitTotpAsync(await standalone.ChallengeAsync(alice), standalone.NextCode(alice), "192.0.2.1", TestContext.Current.CancellationToken);
        Assert.IsType<SecondFactorResult.SignedIn>(totp);
        var required = standalone.Policy.RequiredCodesAtRecovery;
        var recovery = await standalone.SignIn.SubmitBackupCodesAsync(await standalone.ChallengeAsync(alice), alice.Codes(required), "192.0.2.1", TestContext.Current.CancellationToken);
        Assert.IsType<SecondFactorResult.SignedIn>(recovery);

        var again = await FleetTesting.ConsoleAsync(gone, "fleet", "leave", "--data", b.DataDirectory);
        Assert.Equal(1, again.Exit);
    }

    [Fact]
    public async Task Join_EmptyFleetTakesTheAccounts_NonEmptyRefusedUnlessToldWhichSideWins()
    {
        using var shared = new TempDirectory();
        var settings = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        using var first = new CoreHarness();
        var alice = first.CreateEnrolledAccount("alice");
        first.Close();
        using var second = new CoreHarness();
        second.CreateEnrolledAccount("bob");
        second.Close();

        var joined = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--data", first.DataDirectory);
        var refused = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--data", second.DataDirectory);
        var badSide = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--keep", "both", "--data", second.DataDirectory);

        Assert.Equal((0, ""), (joined.Exit, joined.Error));
        Assert.StartsWith("Joined the fleet", joined.Output, StringComparison.Ordinal);
        Assert.Equal(1, refused.Exit);
        Assert.StartsWith("nasdash console: The fleet /nasdash-test-", refused.Error, StringComparison.Ordinal);
        Assert.Contains("already has 1 administrator(s) (alice): nothing changed", refused.Error, StringComparison.Ordinal);
        Assert.Equal(2, badSide.Exit);
        Assert.True(File.Exists(Path.Combine(second.DataDirectory, DataDirectory.DatabaseFile)), "a refused join leaves the store in place");
        using (var onFleet = new CoreHarness(settings: settings))
        {
            Assert.Null(onFleet.Store);
            onFleet.Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds * 2));
            var signedIn = await onFleet.SignIn.SubmitTotpAsync(await onFleet.ChallengeAsync(alice), onFleet.NextCode(alice), "192.0.2.1", TestContext.Current.CancellationToken);
            Assert.True(signedIn is SecondFactorResult.SignedIn, signedIn.ToString());
            Assert.Single(onFleet.Audit.Query(new AuditQuery(EventPrefix: "console.fleet-join")));
        }

        var keptFleet = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--keep", "fleet", "--data", second.DataDirectory);

        Assert.Equal((0, ""), (keptFleet.Exit, keptFleet.Error));
        Assert.False(File.Exists(Path.Combine(second.DataDirectory, DataDirectory.DatabaseFile)));
        using var after = new CoreHarness(settings: settings);
        Assert.Equal(["alice"], after.Accounts.All().Select(a => a.UserName));
    }
}

internal static class FleetTesting
{
    /// <summary>Starts the appliance's fleet watch, as the server's host would, and waits for its first full read.</summary>
    public static async Task<FleetWatch> StartWatchAsync(CoreHarness appliance)
    {
        var watch = appliance.Get<IEnumerable<IHostedService>>().OfType<FleetWatch>().Single();
        await watch.StartAsync(TestContext.Current.CancellationToken);
        await UntilAsync(() => watch.CopyRevision > 0, TimeSpan.FromSeconds(10));
        return watch;
    }

    public static Task CaughtUpAsync(CoreHarness appliance) => CaughtUpAsync(appliance.Get<EtcdFleetOptions>(), appliance.Get<FleetWatch>());

    /// <summary>Until the copy holds the fleet's last change (`fleet status` would say lag 0).</summary>
    public static async Task CaughtUpAsync(EtcdFleetOptions options, FleetWatch watch)
    {
        var probe = new FleetStatusProbe(options, watch);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await probe.ProbeAsync(TestContext.Current.CancellationToken);
            if (status.Lag == 0 && status.CopyRevision > 0)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the copy lags: {status}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string>? state = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, state is null ? $"not within {timeout}" : $"not within {timeout}: {state()}");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public static async Task<(int Exit, string Output, string Error)> ConsoleAsync(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var ansi = new TestConsole();
        var exit = await ConsoleMode.RunAsync(["console", .. args], new ConsoleIo(new StringReader(""), output, error, ansi), settings);
        return (exit, output.ToString(), error.ToString());
    }
}
