using Microsoft.Extensions.DependencyInjection;
using NasDash.Fleet;
using NasDash.Storage;
using NasDash.Tests.Features.Console;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// `fleet leave` (and `join`) against a server starting on the same data directory: both hold the data directory's lock,
/// so whichever comes second is refused, and a server that chose its store before a leave or join finished refuses
/// rather than run on the store that was switched under it.
/// </summary>
public sealed class FleetLeaveTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    [Fact]
    public async Task Leave_WhileAServerIsStartingOnTheDataDirectory_RefusedAndNothingChanged()
    {
        using var fleet = await FleetWithACopyAsync();
        var directory = fleet[1].DataDirectory;

        // A server mid-start: its store is open (the data directory's lock held), its console socket not listening yet.
        using (var starting = Starting(fleet.Settings, directory))
        {
            Assert.IsType<EtcdStore>(starting.GetRequiredService<IStoreEngine>());

            var leave = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "leave", "--data", directory);

            Assert.Equal((1, $"nasdash console: A NasDash server (running or starting) or another console command is using {directory}: stop the server first (systemctl stop nasdash), then run 'fleet leave' again. Nothing changed.\n"),
                (leave.Exit, leave.Error));
            Assert.False(FleetMembership.HasLeft(directory));
            Assert.False(File.Exists(Path.Combine(directory, DataDirectory.DatabaseFile)));
        }

        var afterwards = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "leave", "--data", directory);
        Assert.Equal((0, ""), (afterwards.Exit, afterwards.Error));
    }

    [Fact]
    public async Task Start_WhenLeaveThenJoinRanBetweenItsChoiceOfStoreAndItsLock_RefusedEachTime_TheNextStartRunsOnTheNewStore()
    {
        using var fleet = await FleetWithACopyAsync();
        var directory = fleet[1].DataDirectory;

        using (var startedInTheFleet = Starting(fleet.Settings, directory))
        {
            var leave = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "leave", "--data", directory);

            Assert.Equal((0, ""), (leave.Exit, leave.Error));
            var refused = Assert.Throws<StoreRefusedException>(() => startedInTheFleet.GetRequiredService<IStoreEngine>());
            Assert.Equal($"This appliance left its fleet while NasDash started ({FleetMembership.LeftMarker(directory)} appeared): start NasDash again, and it starts standalone.",
                refused.Message);
        }

        using (var startedStandalone = Starting(fleet.Settings, directory))
        {
            var join = await FleetTesting.ConsoleAsync(fleet.Settings, "fleet", "join", "--keep", "fleet", "--data", directory);

            Assert.Equal((0, ""), (join.Exit, join.Error));
            var refused = Assert.Throws<StoreRefusedException>(() => startedStandalone.GetRequiredService<IStoreEngine>());
            Assert.Equal($"This appliance joined its fleet while NasDash started ({FleetMembership.LeftMarker(directory)} is gone): start NasDash again, and it starts in the fleet.",
                refused.Message);
        }

        using var next = Starting(fleet.Settings, directory);
        Assert.IsType<EtcdStore>(next.GetRequiredService<IStoreEngine>());
    }

    [Fact]
    public async Task ServerProcessInTheFleet_WhileLeaveHoldsTheDataDirectory_RefusedInOneLine()
    {
        using var shared = new TempDirectory();
        using var data = new TempDirectory();
        var settings = FleetNoticeTests.FleetSettings(fixture.Cluster, shared);
        // What `fleet leave` holds from its first check until fleet-left is written.
        using var leaving = DataDirectoryLock.Take(data.Path);

        var start = await NasDashProcess.ServerUntilExitAsync(data.Path, [.. settings.SelectMany(s => new[] { "--" + s.Key, s.Value! })]);

        Assert.Equal((1, $"nasdash: The NasDash store in {data.Path} is in use by another process (a running server or console)."), (start.Exit, start.Error.Trim()));
    }

    /// <summary>Two appliances; the second has followed the fleet (its local copy holds alice) and is stopped.</summary>
    private async Task<TestFleet> FleetWithACopyAsync()
    {
        var fleet = new TestFleet(fixture.Cluster, 2);
        await FleetTesting.StartWatchAsync(fleet[1]);
        fleet[0].CreateEnrolledAccount("alice");
        await FleetTesting.CaughtUpAsync(fleet[1]);
        fleet[1].Close();
        return fleet;
    }

    /// <summary>A process's services on the data directory as a starting server registers them (its store not opened yet).</summary>
    private static ServiceProvider Starting(IReadOnlyDictionary<string, string?> settings, string dataDirectory)
    {
        var services = new ServiceCollection();
        new TestCore(dataDirectory).AddTo(services, TimeProvider.System, overrides: settings.ToDictionary());
        return services.BuildServiceProvider();
    }
}
