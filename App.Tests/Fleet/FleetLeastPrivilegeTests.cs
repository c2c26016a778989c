using System.Diagnostics;
using System.Net;
using NasDash.Fleet;
using NasDash.Security.Ledger;
using NasDash.Storage;
using NasDash.Tests.Browser;
using NasDash.Tests.Features.Console;
using NasDash.Tests.Packaging;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// NasDash under the etcd user the README tells an administrator to make: its role may read and write /nasdash/ and
/// nothing else. Everything a fleet appliance does works under it (decisions, locks, leases, the watch, notice claims,
/// the key ring, `fleet status`, `leave` and `join`, a running server), and a user whose role lacks the prefix is refused
/// in one line naming the grant.
/// </summary>
public sealed class FleetLeastPrivilegeTests(FleetLeastPrivilegeTests.PrefixUserCluster fixture) : IClassFixture<FleetLeastPrivilegeTests.PrefixUserCluster>
{
    [Fact]
    public void ReadmeSteps_MakeARoleOnThePrefixAndAUserBesideRoot()
    {
        var steps = PrefixUserCluster.ReadmeSteps().Select(s => string.Join(' ', s)).ToList();

        Assert.Contains("etcdctl role grant-permission nasdash --prefix=true readwrite /nasdash/", steps);
        Assert.Contains("etcdctl user grant-role nasdash nasdash", steps);
        Assert.Equal("etcdctl auth enable", steps[^1]);
        Assert.DoesNotContain(steps, s => s.Contains("grant-role nasdash root", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PrefixUser_TwoAppliances_DecideWatchStatusLeaveAndJoinAgain()
    {
        using var fleet = new TestFleet(fixture.Cluster, 2, settings: fixture.Settings(), fleet: fixture.AsNasDash());
        var watch = await FleetTesting.StartWatchAsync(fleet[1]);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<StoreChange>();
        watch.Changed += seen.Enqueue;

        // The first account of the fleet: Data Protection writes the fleet's first key to <prefix>keyring/, then the insert commits.
        var alice = fleet[0].CreateEnrolledAccount("alice");
        await FleetTesting.UntilAsync(() => seen.Contains(new StoreChange.AccountChanged(alice.Id)), TimeSpan.FromSeconds(10));
        fleet[1].Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
        var wrong = await fleet[1].SignIn.SubmitTotpAsync(await fleet[1].ChallengeAsync(alice), fleet[1].WrongCode(alice), "192.0.2.9", TestContext.Current.CancellationToken);
        var right = await fleet[1].SignIn.SubmitTotpAsync(await fleet[1].ChallengeAsync(alice), fleet[1].NextCode(alice), "192.0.2.2", TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.InvalidTotp>(wrong);
        Assert.IsType<SecondFactorResult.SignedIn>(right);
        Assert.Contains(fleet[0].AuditOf("alice", "login.totp"), e => e.Outcome == "failed");
        await FleetTesting.CaughtUpAsync(fleet[1]);
        fleet[1].Close();

        var status = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "status", "--data", fleet[1].DataDirectory);

        Assert.Equal((0, ""), (status.Exit, status.Error));
        var lines = status.Output.Split('\n', StringSplitOptions.TrimEntries);
        // Named as the member list names them: MemberList answered this user, not only each member's Status.
        Assert.Equal(["m1", "m2", "m3"], lines.Where(l => l.Contains(" id ", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).Order());
        Assert.Matches(@"^Leader: m\d \([0-9a-f]{16}\)$", Assert.Single(lines, l => l.StartsWith("Leader:", StringComparison.Ordinal)));
        Assert.Contains("Quorum: yes, 3 of 3 members reachable", lines);
        Assert.Matches(@"^Revision: \d+$", Assert.Single(lines, l => l.StartsWith("Revision:", StringComparison.Ordinal)));
        Assert.Matches(@"^Local copy: revision \d+, lag 0", Assert.Single(lines, l => l.StartsWith("Local copy:", StringComparison.Ordinal)));

        var leave = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "leave", "--data", fleet[1].DataDirectory);

        Assert.Equal((0, ""), (leave.Exit, leave.Error));
        // Meanwhile the fleet gains an administrator; joining again with this appliance's own replaces the fleet's
        // (puts and deletes under a compare on the accounts' range).
        fleet[0].CreateEnrolledAccount("carol");
        var join = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "join", "--keep", "local", "--data", fleet[1].DataDirectory);

        Assert.Equal((0, ""), (join.Exit, join.Error));
        Assert.Equal(["alice"], fleet[0].Accounts.All().Select(a => a.UserName));
        using var back = new CoreHarness(settings: fleet.Settings, dataDirectory: fleet[1].DataDirectory);
        Assert.Null(back.Store);
        back.Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds * 2));
        var again = await back.SignIn.SubmitTotpAsync(await back.ChallengeAsync(alice), back.NextCode(alice), "192.0.2.2", TestContext.Current.CancellationToken);
        Assert.IsType<SecondFactorResult.SignedIn>(again);
    }

    [Fact]
    public async Task PrefixUser_LockHeldByA_BWaits_AndGetsItAtOnceWhenAsLeaseIsRevoked()
    {
        var options = fixture.AsNasDash();
        using var clientA = EtcdConnection.Open(options);
        using var clientB = EtcdConnection.Open(options);
        var locksA = new EtcdFleetLocks(clientA, options, new FleetReachability(options));
        using var locksB = new EtcdFleetLocks(clientB, options, new FleetReachability(options));
        var name = "lock-" + Guid.NewGuid().ToString("N")[..8];
        _ = await locksA.AcquireAsync(name, TestContext.Current.CancellationToken);

        var waiting = locksB.AcquireAsync(name, TestContext.Current.CancellationToken);
        Assert.False(await Completes(waiting, TimeSpan.FromMilliseconds(500)), "B took the lock A holds");

        // A stops without giving the lock back: its lease is revoked (which etcd allows only to a user who may write
        // every key on it), so B gets the lock now rather than when the lease's 15 s run out.
        var clock = Stopwatch.StartNew();
        locksA.Dispose();
        var held = await waiting.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(EtcdApplianceLease.TtlSeconds / 2), $"B waited {clock.Elapsed}: A's lease was not revoked");
        await held.ReleaseAsync();
        var next = await locksB.AcquireAsync(name, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await next.ReleaseAsync();
    }

    [Fact]
    public void PrefixUser_NoticeClaim_OneHolder_FreedWhenItsLeaseIsRevoked()
    {
        var options = fixture.AsNasDash();
        using var clientA = EtcdConnection.Open(options);
        using var clientB = EtcdConnection.Open(options);
        var a = new EtcdStore(clientA, options, TimeProvider.System);
        var b = new EtcdStore(clientB, options, TimeProvider.System);
        var notice = new OutboxNotice { Kind = SecurityNoticeKind.SuperLocked, At = DateTimeOffset.UtcNow, UserName = "claimed" };
        a.Queue([notice]);

        var claim = a.Claim(notice, TimeSpan.FromMinutes(5));
        Assert.NotNull(claim);
        Assert.Null(b.Claim(notice, TimeSpan.FromMinutes(5)));
        claim.Dispose();

        using var taken = b.Claim(notice, TimeSpan.FromMinutes(5));
        Assert.NotNull(taken);
    }

    [Fact]
    public async Task PrefixUser_Server_ReadyAndItsFleetStatus()
    {
        using var server = new AppServer(fixture.Settings());
        using var http = new HttpClient();

        var ready = await http.GetAsync($"{server.BaseUrl}/healthz/ready", TestContext.Current.CancellationToken);
        var status = await FleetTesting.ConsoleAsync(new Dictionary<string, string?>(), "fleet", "status", "--json", "--data", server.DataDirectory);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal((0, ""), (status.Exit, status.Error));
        using var document = System.Text.Json.JsonDocument.Parse(status.Output);
        Assert.Equal("server", document.RootElement.GetProperty("via").GetString());
        Assert.True(document.RootElement.GetProperty("quorum").GetBoolean());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, document.RootElement.GetProperty("revision").ValueKind);
    }

    [Fact]
    public async Task ReadOnlyRole_ServerStartAndConsole_RefusedInOneLineNamingTheGrant()
    {
        fixture.AddUser("reader", "read");
        using var data = new TempDirectory();
        var settings = fixture.Settings("reader");
        var expected = "etcd user reader may not write /nasdash/…: grant its role readwrite on the prefix (etcdctl role grant-permission <role> --prefix=true readwrite /nasdash/)";

        var start = await NasDashProcess.ServerUntilExitAsync(data.Path, Arguments(settings));
        var console = await NasDashProcess.ConsoleAsync(["status", "--data", data.Path], data.Path,
            environment: settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!));

        Assert.Equal((1, $"nasdash: {expected}"), (start.Exit, start.Error.Trim()));
        Assert.Equal((1, $"nasdash console: {expected}"), (console.Exit, console.Error.Trim()));
    }

    [Fact]
    public async Task WrongPassword_ServerStart_RefusedInOneLine()
    {
        using var data = new TempDirectory();
        var settings = fixture.Settings();
        settings["NasDash:Fleet:Etcd:Password"] = "not the password";

        var start = await NasDashProcess.ServerUntilExitAsync(data.Path, Arguments(settings));

        Assert.True((1, "nasdash: etcd refused this appliance's user: check NasDash:Fleet:Etcd:User and :Password") == (start.Exit, start.Error.Trim()), start.Error);
    }

    [Fact]
    public async Task UserWithoutARole_StatusAndJoin_RefusedInOneLineNamingTheGrant()
    {
        fixture.AddUser("stranger", access: null);
        var settings = fixture.Settings("stranger");
        using var standalone = new CoreHarness();
        standalone.CreateEnrolledAccount("dave");
        standalone.Close();
        const string Grant = "grant its role readwrite on the prefix (etcdctl role grant-permission <role> --prefix=true readwrite /nasdash/)";

        var status = await FleetTesting.ConsoleAsync(settings, "fleet", "status", "--data", standalone.DataDirectory);
        var join = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--data", standalone.DataDirectory);

        Assert.Equal((1, $"nasdash console: etcd user stranger may not read /nasdash/…: {Grant}\n"), (status.Exit, status.Error));
        Assert.Equal((1, $"nasdash console: etcd user stranger may not read or write /nasdash/…: {Grant}. Nothing changed.\n"), (join.Exit, join.Error));
        Assert.False(File.Exists(FleetJoinMarker.PathIn(standalone.DataDirectory)));
        Assert.True(File.Exists(Path.Combine(standalone.DataDirectory, DataDirectory.DatabaseFile)), "a refused join leaves the store in place");
    }

    private static string[] Arguments(Dictionary<string, string?> settings) => [.. settings.SelectMany(s => new[] { "--" + s.Key, s.Value! })];

    private static async Task<bool> Completes(Task task, TimeSpan within) =>
        await Task.WhenAny(task, Task.Delay(within, TestContext.Current.CancellationToken)) == task;

    /// <summary>
    /// A TLS cluster (client certificates required, as the README's walk-through runs it) on which the README's etcdctl
    /// lines turned authentication on, as written: user nasdash, whose role may read and write /nasdash/, and root.
    /// </summary>
    public sealed class PrefixUserCluster : IDisposable
    {
        private const string Marker = "FleetLeastPrivilegeTests runs the etcdctl lines of the next block";
        private readonly Lazy<EtcdCluster> _cluster;
        private readonly HashSet<string> _users = [];
        // One fleet (one prefix) for the class: its key-ring key file is shared by every appliance of every test.
        private readonly TempDirectory _shared = new();

        public PrefixUserCluster() => _cluster = new(Start);

        public EtcdCluster Cluster => _cluster.Value;

        /// <summary>The password given to each user the README's lines add, other than root.</summary>
        public string UserPassword { get; } = "user-" + Guid.NewGuid().ToString("N");

        /// <summary>An appliance's fleet options as the README sets them: the default prefix, this etcd user.</summary>
        public EtcdFleetOptions AsNasDash(string user = "nasdash")
        {
            var options = Cluster.Options(new EtcdFleetOptions().Prefix);
            options.User = user;
            options.Password = UserPassword;
            return options;
        }

        /// <summary>An appliance's NasDash:Fleet:Etcd settings as this user, with the fleet's one key-ring key file.</summary>
        public Dictionary<string, string?> Settings(string user = "nasdash") => FleetNoticeTests.FleetSettings(AsNasDash(user), _shared);

        /// <summary>Adds (once) a user whose role has <paramref name="access"/> ("read", "write") on /nasdash/, or no role at all.</summary>
        public void AddUser(string user, string? access)
        {
            lock (_users)
            {
                if (!_users.Add(user))
                {
                    return;
                }

                var root = $"--user=root:{Cluster.Password}";
                Etcdctl(Cluster, [root, "user", "add", user, "--new-user-password", UserPassword]);
                if (access is not null)
                {
                    Etcdctl(Cluster, [root, "role", "add", user]);
                    Etcdctl(Cluster, [root, "role", "grant-permission", user, "--prefix=true", access, "/nasdash/"]);
                    Etcdctl(Cluster, [root, "user", "grant-role", user, user]);
                }
            }
        }

        /// <summary>The etcdctl commands of the README's block, each split into its words.</summary>
        public static IReadOnlyList<string[]> ReadmeSteps()
        {
            var readme = File.ReadAllLines(Path.Combine(DebianPackageBuild.RepositoryRoot, "README.md"));
            var marker = Array.FindIndex(readme, l => l.Contains(Marker, StringComparison.Ordinal));
            Assert.True(marker >= 0, $"README.md lost the line \"{Marker}\"");
            var block = readme.Skip(marker + 1).Select(l => l.Trim()).ToList();
            Assert.Equal("```sh", block[0]);
            return [.. block.Skip(1).TakeWhile(l => l != "```").Where(l => l.StartsWith("etcdctl ", StringComparison.Ordinal))
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
        }

        public void Dispose()
        {
            if (_cluster.IsValueCreated)
            {
                _cluster.Value.Dispose();
            }

            _shared.Dispose();
        }

        private EtcdCluster Start()
        {
            DebianPrograms.Require("etcdctl", "etcd-client");
            var steps = ReadmeSteps();
            var cluster = new EtcdCluster(tls: true);
            try
            {
                foreach (var step in steps)
                {
                    // `user add` asks for the new user's password twice.
                    var password = step is [_, "user", "add", var name] ? (name == "root" ? cluster.Password : UserPassword) : null;
                    Etcdctl(cluster, step[1..], password is null ? null : $"{password}\n{password}\n");
                }

                cluster.AuthenticatedAs("root");
                return cluster;
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }

        /// <summary>Runs etcdctl against the cluster with the endpoints and certificates in its environment, as the README suggests.</summary>
        private static void Etcdctl(EtcdCluster cluster, string[] arguments, string? input = null)
        {
            var start = new ProcessStartInfo("/usr/bin/etcdctl")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["ETCDCTL_API"] = "3";
            start.Environment["ETCDCTL_ENDPOINTS"] = cluster.Endpoints;
            start.Environment["ETCDCTL_CACERT"] = cluster.Tls!.Authority;
            start.Environment["ETCDCTL_CERT"] = cluster.Tls.ClientCertificate;
            start.Environment["ETCDCTL_KEY"] = cluster.Tls.ClientKey;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(input ?? "");
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
            }

            Assert.True(process.ExitCode == 0, $"etcdctl {string.Join(' ', arguments)} exited {process.ExitCode}: {output.Result}{error.Result}");
        }
    }
}
