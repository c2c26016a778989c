using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using NasDash.Features.Notifications;
using NasDash.Fleet;
using NasDash.Hosting;
using NasDash.Storage;
using NasDash.Tests.Features.Notifications;
using NasDash.Tests.Security;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>`fleet join` moves everything a standalone appliance holds, in batches, and finishes when run again after an interruption.</summary>
public sealed class FleetJoinTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    private static readonly AuditBound KeepsAThousand = new(1_000, TimeSpan.FromDays(365));

    [Fact]
    public async Task Join_MovesAuditAlertsTokensAndPendingNotices_TheTokenStillAuthenticates()
    {
        using var shared = new TempDirectory();
        var settings = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        using var standalone = new CoreHarness();
        var alice = standalone.CreateEnrolledAccount("alice");
        var (token, _) = await ApiTokensTests.MintAsync(standalone, alice, ApiScopes.Read);
        var alerts = standalone.Get<IAlertStore>();
        var open = alerts.Raise("superlocked:bob", AlertSeverity.Critical, "bob is super-locked", "/users");
        var acknowledged = alerts.Raise("ssh-disabled", AlertSeverity.Warning, "SSH login is off", "/services/ssh");
        Assert.True(alerts.Acknowledge(acknowledged.Id, "alice"));
        var history = standalone.Audit.Query(new AuditQuery(Take: 1_000));
        var pending = standalone.Store.Pending(100);
        Assert.NotEmpty(history);
        Assert.NotEmpty(pending);
        standalone.Close();

        var joined = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--data", standalone.DataDirectory);

        Assert.Equal((0, ""), (joined.Exit, joined.Error));
        Assert.Contains("1 API token(s), 2 alert(s)", joined.Output, StringComparison.Ordinal);
        using var onFleet = new CoreHarness(settings: settings);
        var fleet = onFleet.Get<EtcdStore>();
        var caller = Assert.IsType<ApiTokenCheck.Valid>(onFleet.Get<ApiTokens>().Check("Bearer " + token, "192.0.2.7")).Caller;
        Assert.Equal(alice.Id, caller.AccountId);
        Assert.Equal(
            history.Select(Described).Order(StringComparer.Ordinal),
            fleet.Query(new AuditQuery(Take: 1_000)).Where(e => e.Event != AuditNames.ConsoleFleetJoin.Id).Select(Described).Order(StringComparer.Ordinal));
        Assert.Contains("alice", Assert.Single(fleet.Query(new AuditQuery(EventPrefix: AuditNames.ConsoleFleetJoin.Id))).Detail, StringComparison.Ordinal);
        Assert.Equal(open.Id, Assert.Single(fleet.Open()).Id);
        Assert.Equal("alice", fleet.All(10).Single(a => a.Id == acknowledged.Id).AcknowledgedBy);
        Assert.Equal(pending.Select(n => n.Id).Order(), fleet.Pending(100).Select(n => n.Id).Order());
        Assert.Equal(["done"], ProgressValues(settings));
    }

    [Fact]
    public async Task Join_PendingSecurityNotice_DeliveredOnceFromTheFleet_ItsReportLinkStillKnown()
    {
        using var receiver = new HttpReceiver();
        using var shared = new TempDirectory();
        var settings = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        var data = shared.Combine("standalone");
        // A clock of its own: the standalone sender never runs, so the super-lockout's notice is still pending at the join.
        await using (var standalone = new NotifyCore(new Dictionary<string, string?> { ["NasDash:DataDirectory"] = data }, TimeProvider.System))
        {
            standalone.SaveSettings(s =>
            {
                s.Webhook.Url = receiver.Url("/hooks/nasdash");
                s.Webhook.Preset = WebhookPreset.Json;
                s.Webhook.Events = [SecurityNoticeKind.SuperLocked];
            });
            var bob = standalone.AddAdministrator("bob");
            await standalone.SuperLockAsync(bob);
            Assert.Contains(standalone.Notices(), n => n.Kind == SecurityNoticeKind.SuperLocked && n.DoneAt is null);
        }

        var joined = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--data", data);

        Assert.Equal((0, ""), (joined.Exit, joined.Error));
        Assert.Empty(receiver.Received);
        await using var onFleet = new NotifyCore(settings, TimeProvider.System);
        await onFleet.DeliverDueNowAsync();
        await onFleet.DeliverDueNowAsync();
        var posted = Assert.Single(receiver.Received);
        var notice = Assert.Single(onFleet.Notices(), n => n.Kind == SecurityNoticeKind.SuperLocked);
        Assert.NotNull(notice.DoneAt);
        Assert.Equal(notice.Id.ToString(), posted.Headers[WebhookChannel.NoticeIdHeader]);
        using var body = JsonDocument.Parse(posted.Text);
        var link = body.RootElement.GetProperty("reportUrl").GetString()!;
        var report = onFleet.Get<EtcdStore>().FindReport(ReportLinks.Hash(link[(link.LastIndexOf('/') + 1)..]));
        Assert.Equal("bob", report?.UserName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Join_EightyAdministrators_InterruptedAfterAnyTransaction_RunAgainFinishesWithNothingLostOrTwice(int crashAfterCommit)
    {
        using var shared = new TempDirectory();
        var settings = new Dictionary<string, string?>(FleetNoticeTests.FleetSettings(fixture.Cluster, shared)) { ["NasDash:Audit:MaxEntries"] = "1000" };
        using var standalone = new CoreHarness();
        var alice = standalone.CreateEnrolledAccount("alice");
        for (var i = 1; i < 80; i++)
        {
            standalone.CreateAccount($"admin{i:D2}");
        }

        AppendAudit(standalone, 1_050);
        var alert = standalone.Get<IAlertStore>().Raise("superlocked:admin01", AlertSeverity.Critical, "admin01 is super-locked", "/users");
        var newestThousand = standalone.Audit.Query(new AuditQuery(Take: 1_000));
        standalone.Close();
        var commits = 0;

        if (crashAfterCommit > 0)
        {
            // 1: the administrators staged; 2: the transaction that names them; then one per batch of records.
            Assert.Throws<SimulatedCrash>(() => Join(settings, standalone.DataDirectory, JoinKeep.Neither, _ =>
            {
                if (++commits == crashAfterCommit)
                {
                    throw new SimulatedCrash();
                }
            }));
            Assert.True(File.Exists(FleetJoinMarker.PathIn(standalone.DataDirectory)));
            Assert.True(File.Exists(Path.Combine(standalone.DataDirectory, DataDirectory.DatabaseFile)), "the store is set aside last");
            var refused = await FleetTesting.ConsoleAsync(settings, "status", "--data", standalone.DataDirectory);
            Assert.Equal(1, refused.Exit);
            Assert.Contains("did not finish", refused.Error, StringComparison.Ordinal);
            if (crashAfterCommit > 2)
            {
                // The alert came in the first batch of records; acknowledged in the fleet meanwhile, it must stay so.
                using var elsewhere = new CoreHarness(settings: settings);
                Assert.True(elsewhere.Get<IAlertStore>().Acknowledge(alert.Id, "carol"));
            }
        }

        var joined = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--data", standalone.DataDirectory);

        Assert.Equal((0, ""), (joined.Exit, joined.Error));
        Assert.StartsWith("Joined the fleet", joined.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(FleetJoinMarker.PathIn(standalone.DataDirectory)));
        Assert.False(File.Exists(Path.Combine(standalone.DataDirectory, DataDirectory.DatabaseFile)));
        using var onFleet = new CoreHarness(settings: settings);
        Assert.Equal(80, onFleet.Accounts.All().Count);
        Assert.All(Enumerable.Range(1, 79), i => Assert.NotNull(onFleet.Accounts.FindByName($"admin{i:D2}")));
        var moved = onFleet.Audit.Query(new AuditQuery(Take: 2_000)).Where(e => e.Event != AuditNames.ConsoleFleetJoin.Id).ToList();
        Assert.Equal(newestThousand.Select(Described).Order(StringComparer.Ordinal), moved.Select(Described).Order(StringComparer.Ordinal));
        Assert.Single(onFleet.Audit.Query(new AuditQuery(EventPrefix: AuditNames.ConsoleFleetJoin.Id)));
        Assert.Equal(["done"], ProgressValues(settings));
        Assert.Equal(crashAfterCommit > 2 ? "carol" : null, Assert.Single(onFleet.Get<IAlertStore>().All(10)).AcknowledgedBy);
        onFleet.Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds * 2));
        var signedIn = await onFleet.SignIn.SubmitTotpAsync(await onFleet.ChallengeAsync(alice), onFleet.NextCode(alice), "192.0.2.1", TestContext.Current.CancellationToken);
        Assert.IsType<SecondFactorResult.SignedIn>(signedIn);
    }

    [Fact]
    public void Join_AnotherApplianceAddsAnAdministratorWhileStaged_StagedOnesDeleted_NothingChanged()
    {
        using var shared = new TempDirectory();
        var settings = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        using var standalone = new CoreHarness();
        for (var i = 0; i < 80; i++)
        {
            standalone.CreateAccount($"admin{i:D2}");
        }

        standalone.Close();
        using var other = new CoreHarness(settings: settings);
        var carolAdded = false;
        IReadOnlyList<string>? listedWhileStaged = null;

        var refusal = Assert.Throws<StoreRefusedException>(() => Join(settings, standalone.DataDirectory, JoinKeep.Neither, progress =>
        {
            if (progress?.Stage == JoinStage.Staged && !carolAdded)
            {
                // Staged administrators have no name in the fleet yet: no appliance lists them as its own.
                listedWhileStaged = [.. other.Accounts.All().Select(a => a.UserName)];
                other.CreateAccount("carol");
                carolAdded = true;
            }
        }));

        Assert.StartsWith("Another appliance changed the fleet's administrators while this one joined: nothing changed.", refusal.Message, StringComparison.Ordinal);
        Assert.Equal([], listedWhileStaged);
        Assert.Equal(["carol"], other.Accounts.All().Select(a => a.UserName));
        Assert.Empty(ProgressValues(settings));
        Assert.False(File.Exists(FleetJoinMarker.PathIn(standalone.DataDirectory)));
        Assert.True(File.Exists(Path.Combine(standalone.DataDirectory, DataDirectory.DatabaseFile)));
    }

    [Fact]
    public async Task Join_MoreAdministratorsThanOneTransactionCanName_RefusedWithNothingChanged()
    {
        using var shared = new TempDirectory();
        var settings = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        using var standalone = new CoreHarness();
        for (var i = 0; i < JoinTransactions.MaxOperations; i++)
        {
            standalone.CreateAccount($"admin{i:D3}");
        }

        standalone.Close();

        var refused = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--data", standalone.DataDirectory);

        Assert.Equal(1, refused.Exit);
        Assert.Contains("120 administrators cannot become visible in the fleet at once", refused.Error, StringComparison.Ordinal);
        Assert.EndsWith("Nothing changed." + Environment.NewLine, refused.Error, StringComparison.Ordinal);
        using var onFleet = new CoreHarness(settings: settings);
        Assert.Empty(onFleet.Accounts.All());
        Assert.Empty(ProgressValues(settings));
        Assert.True(File.Exists(Path.Combine(standalone.DataDirectory, DataDirectory.DatabaseFile)));
    }

    [Fact]
    public async Task Join_KeepFleet_ThisAppliancesTokensAlertsAndHistoryStayInItsSetAsideStore()
    {
        using var shared = new TempDirectory();
        var settings = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        using (var first = new CoreHarness())
        {
            first.CreateEnrolledAccount("alice");
            first.Close();
            Assert.Equal(0, (await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--data", first.DataDirectory)).Exit);
        }

        using var second = new CoreHarness();
        var bob = second.CreateEnrolledAccount("bob");
        var (token, _) = await ApiTokensTests.MintAsync(second, bob, ApiScopes.Read);
        second.Get<IAlertStore>().Raise("superlocked:bob", AlertSeverity.Critical, "bob is super-locked", null);
        second.Close();

        var joined = await FleetTesting.ConsoleAsync(settings, "fleet", "join", "--keep", "fleet", "--data", second.DataDirectory);

        Assert.Equal((0, ""), (joined.Exit, joined.Error));
        Assert.Contains("this appliance's 1 administrator(s) with their 1 API token(s)", joined.Output, StringComparison.Ordinal);
        using var onFleet = new CoreHarness(settings: settings);
        var fleet = onFleet.Get<EtcdStore>();
        Assert.Empty(fleet.AllTokens());
        Assert.IsType<ApiTokenCheck.Refused>(onFleet.Get<ApiTokens>().Check("Bearer " + token, "192.0.2.7"));
        Assert.Empty(fleet.Open());
        Assert.Empty(fleet.Query(new AuditQuery(UserName: "bob")));
        Assert.Equal(2, fleet.Query(new AuditQuery(EventPrefix: AuditNames.ConsoleFleetJoin.Id)).Count);
        var aside = Assert.Single(Directory.GetFiles(second.DataDirectory, DataDirectory.DatabaseFile + ".before-fleet-*"));
        File.Move(aside, Path.Combine(second.DataDirectory, DataDirectory.DatabaseFile));
        using var setAside = new LiteDbStore(second.DataDirectory, TimeProvider.System);
        Assert.Single(setAside.AllTokens());
        Assert.Single(setAside.Open());
    }

    private static string Described(AuditEvent entry) =>
        string.Join('|', entry.At.UtcTicks.ToString(CultureInfo.InvariantCulture), entry.Event, entry.UserName, entry.Outcome, entry.Detail);

    private static void AppendAudit(CoreHarness standalone, int count) =>
        standalone.Store.InTransaction(() =>
        {
            for (var i = 0; i < count; i++)
            {
                standalone.Audit.Append(new AuditEvent
                {
                    At = CoreHarness.Start.AddSeconds(i), UserName = "alice", Event = "test.entry", Outcome = "ok", Detail = i.ToString(CultureInfo.InvariantCulture),
                });
            }
        });

    private static string Join(Dictionary<string, string?> settings, string dataDirectory, JoinKeep keep, Action<JoinProgress?> committed)
    {
        var options = CoreServices.FleetOptionsOf(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return FleetJoin.Run(dataDirectory, options, CoreServices.KeyRingKeyFileOf(options, dataDirectory), keep, KeepsAThousand, TimeProvider.System, "root", committed);
    }

    /// <summary>The values of every join's progress key in the fleet.</summary>
    private static List<string> ProgressValues(Dictionary<string, string?> settings)
    {
        var options = CoreServices.FleetOptionsOf(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var client = EtcdConnection.Open(options);
        return [.. client.GetRange(options.KeyPrefix + JoinTransactions.JoinsPrefix).Kvs.Select(kv => kv.Value.ToStringUtf8())];
    }

    private sealed class SimulatedCrash : Exception;
}
