using System.CommandLine;
using System.Globalization;
using NasDash.Features.Audit;
using NasDash.Fleet;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Features.Console;

/// <summary>
/// `nasdash console fleet status|leave|join` (CONTRACT.md). Status asks the running server when one answers (its watch
/// knows the local copy's revision), else the members and the copy directly. Leave and join change which store the
/// appliance runs on, so they refuse while a server runs; leave needs nothing but the local copy and the key-ring key.
/// </summary>
internal static class FleetCommands
{
    public const string NotInFleet = "This appliance is not in a fleet (NasDash:Fleet:Etcd:Endpoints is not set, or it left its fleet).";

    public static Command Create(ConsoleIo io, Option<string?> data, Func<string?, string> dataDirectoryOf,
        Func<(IConfiguration Configuration, IHostEnvironment Environment)> settings, Func<string> actor)
    {
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON." };
        var keep = new Option<string?>("--keep")
        {
            Description = "When the fleet already has administrators: 'fleet' keeps the fleet's (this appliance's are set aside), 'local' replaces them with this appliance's.",
            HelpName = "fleet|local",
        };
        keep.AcceptOnlyFromAmong("fleet", "local");
        var status = new Command("status", "The fleet's members (name, client URL, id), its leader, how many members answer (quorum), its revision, and this appliance's local copy: its revision and how far it lags.") { json };
        var leave = new Command("leave", "Make this appliance standalone again from its local copy of the fleet (works with no member reachable): administrators with every second factor, settings and the key ring go into its own store. Stop the server first.");
        var join = new Command("join", "Move this standalone appliance's administrators, settings, key ring, API tokens, alerts, pending notices and audit log into the (empty) fleet NasDash:Fleet:Etcd names. Stop the server first; if a join was interrupted, run it again to finish it.") { keep };
        var fleet = new Command("fleet", "Fleet mode on etcd: status, leave (standalone again, break-glass), join.") { status, leave, join };

        status.SetAction((parse, ct) => GuardedAsync(io, async () =>
        {
            var directory = dataDirectoryOf(parse.GetValue(data));
            var socket = ConsoleSocketServer.SocketPath(directory);
            FleetStatus report;
            string via;
            if (await SocketChannel.AnswersAsync(socket, ct))
            {
                var reply = await new SocketChannel(socket).SendAsync(new ConsoleRequest(ConsoleProtocol.FleetStatus, Actor: actor()), ct);
                report = reply.Fleet ?? throw new ConsoleRefusedException(reply.Message);
                via = "server";
            }
            else
            {
                var (options, keyFile) = Fleet(settings, directory);
                var (revision, at, note) = CopyOf(directory, keyFile);
                report = await new FleetStatusProbe(options, null).ProbeAsync(revision, at, note, ct);
                via = "direct";
            }

            if (parse.GetValue(json))
            {
                io.Out.WriteLine(ConsoleProtocol.Serialize(new
                {
                    format = "nasdash-console-fleet-status", version = 1, via, report.Prefix, report.Members,
                    leader = report.Leader?.Name, report.Reachable, report.Total, report.Quorum, report.Revision, report.CopyRevision, report.CopiedAt,
                    report.Lag, report.CopyNote,
                }));
            }
            else
            {
                Render(io.Out, report);
            }

            return ConsoleMode.Done;
        }));
        leave.SetAction((parse, ct) => GuardedAsync(io, async () =>
        {
            var directory = dataDirectoryOf(parse.GetValue(data));
            await RefuseWhileServerRunsAsync(directory, "leave", ct);
            var (options, keyFile) = Fleet(settings, directory);
            io.Out.WriteLine(FleetLeave.Run(directory, options, keyFile, TimeProvider.System, actor()));
            return ConsoleMode.Done;
        }));
        join.SetAction((parse, ct) => GuardedAsync(io, async () =>
        {
            var directory = dataDirectoryOf(parse.GetValue(data));
            await RefuseWhileServerRunsAsync(directory, "join", ct);
            var options = CoreServices.FleetOptionsOf(settings().Configuration);
            var side = parse.GetValue(keep) switch
            {
                "fleet" => JoinKeep.Fleet,
                "local" => JoinKeep.Local,
                _ => JoinKeep.Neither,
            };
            io.Out.WriteLine(FleetJoin.Run(directory, options, CoreServices.KeyRingKeyFileOf(options, directory), side, AuditKeptBy(settings().Configuration),
                TimeProvider.System, actor()));
            return ConsoleMode.Done;
        }));
        return fleet;
    }

    /// <summary>The plain-text form: one fact per line, "Label: value", so a script can read it too.</summary>
    public static void Render(TextWriter output, FleetStatus status)
    {
        output.WriteLine($"Fleet: {status.Prefix}");
        output.WriteLine("Members:");
        foreach (var member in status.Members)
        {
            output.WriteLine($"  {member.Name}  {member.ClientUrl}  id {member.Id}  {(member.Reachable ? "reachable" : "unreachable")}{(member.Leader ? "  leader" : "")}");
        }

        output.WriteLine(status.Leader is { } leader ? $"Leader: {leader.Name} ({leader.Id})" : "Leader: none known");
        output.WriteLine($"Quorum: {(status.Quorum ? "yes" : "NO")}, {status.Reachable} of {status.Total} members reachable");
        output.WriteLine(status.Revision is { } revision
            ? $"Revision: {revision.ToString(CultureInfo.InvariantCulture)}"
            : "Revision: unknown (the fleet cannot answer without a quorum)");
        var copied = status.CopiedAt is { } at ? $", copied {at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC" : "";
        output.WriteLine(status.Lag is { } lag
            ? $"Local copy: revision {status.CopyRevision.ToString(CultureInfo.InvariantCulture)}, lag {lag.ToString(CultureInfo.InvariantCulture)}{copied}"
            : $"Local copy: revision {status.CopyRevision.ToString(CultureInfo.InvariantCulture)}, lag unknown{copied}");
        if (status.CopyNote is { } note)
        {
            output.WriteLine($"Local copy note: {note}");
        }
    }

    private static (EtcdFleetOptions Options, string KeyFile) Fleet(Func<(IConfiguration Configuration, IHostEnvironment Environment)> settings, string directory)
    {
        var options = CoreServices.FleetOptionsOf(settings().Configuration);
        if (!options.IsConfigured || FleetMembership.HasLeft(directory))
        {
            throw new ConsoleRefusedException(NotInFleet);
        }

        return (options, CoreServices.KeyRingKeyFileOf(options, directory));
    }

    /// <summary>What the fleet's audit retention keeps (NasDash:Audit), so a join moves no more than that.</summary>
    private static AuditBound AuditKeptBy(IConfiguration configuration)
    {
        var audit = configuration.GetSection($"{NasDashOptions.Section}:Audit").Get<AuditOptions>() ?? new AuditOptions();
        return new AuditBound(AuditRetention.MaxEntriesOf(audit), AuditRetention.RetentionOf(audit));
    }

    private static (long Revision, DateTimeOffset? At, string? Note) CopyOf(string directory, string keyFile)
    {
        if (!File.Exists(FleetCopy.PathIn(directory)) || !File.Exists(keyFile))
        {
            return (0, null, "no local copy yet: the server has not followed the fleet on this appliance");
        }

        try
        {
            using var copy = FleetCopy.Open(directory, File.ReadAllBytes(keyFile));
            return (copy.Revision, copy.UpdatedAt, null);
        }
        catch (FleetCopyBusyException ex)
        {
            return (0, null, ex.Message);
        }
    }

    private static async Task RefuseWhileServerRunsAsync(string directory, string verb, CancellationToken cancellationToken)
    {
        if (await SocketChannel.AnswersAsync(ConsoleSocketServer.SocketPath(directory), cancellationToken))
        {
            throw new ConsoleRefusedException($"A NasDash server is running on {directory}: stop it first (systemctl stop nasdash), then run 'fleet {verb}' again. Nothing changed.");
        }
    }

    private static async Task<int> GuardedAsync(ConsoleIo io, Func<Task<int>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (ex is ConsoleRefusedException or StoreRefusedException or StoreLockedException)
        {
            io.Error.WriteLine($"nasdash console: {ex.Message}");
            return ConsoleMode.Refused;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            io.Error.WriteLine($"nasdash console: unexpected error: {ex.GetType().Name}: {ex.Message}");
            return ConsoleMode.Refused;
        }
    }
}
