using System.Net.Sockets;
using System.Text;
using LiteDB;
using NasDash.Features.Ssh;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Features.Console;

/// <summary>Where the console's requests go: the running server's socket, or the store opened directly.</summary>
public interface IAdministrationChannel : IAsyncDisposable
{
    /// <summary>For the operator: "the running server" or "the store (no server running)".</summary>
    string Description { get; }

    /// <summary>"server" or "store", for `status --json`.</summary>
    string Via { get; }

    Task<ConsoleReply> SendAsync(ConsoleRequest request, CancellationToken cancellationToken = default);
}

public static class AdministrationChannel
{
    /// <summary>
    /// The running server's socket when one answers; otherwise the store itself, which only one process may
    /// hold: if it is held and no server answers, the server is starting or hung, or another console runs.
    /// </summary>
    public static async Task<IAdministrationChannel> OpenAsync(string dataDirectory, IConfiguration configuration, IHostEnvironment environment, CancellationToken cancellationToken = default)
    {
        CheckDataDirectory(dataDirectory);
        var socket = ConsoleSocketServer.SocketPath(dataDirectory);
        if (await SocketChannel.AnswersAsync(socket, cancellationToken))
        {
            // A server of a fleet keeps its records in etcd: its data directory holds no store file, and needs none here.
            return new SocketChannel(socket);
        }

        // A fleet appliance's records are in etcd, which the console then asks itself; a standalone one needs its store file.
        var fleet = CoreServices.FleetOptionsOf(configuration);
        if (!fleet.IsConfigured || Fleet.FleetMembership.HasLeft(dataDirectory))
        {
            CheckHoldsStore(dataDirectory);
        }

        return DirectChannel.Open(dataDirectory, configuration, environment);
    }

    private static void CheckDataDirectory(string dataDirectory)
    {
        if (!Directory.Exists(dataDirectory))
        {
            throw new ConsoleRefusedException($"The data directory {dataDirectory} does not exist. Pass the server's one with --data <dir> (or set NasDash__DataDirectory).");
        }

        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(dataDirectory).GetEnumerator();
            entries.MoveNext();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new ConsoleRefusedException($"Cannot read the data directory {dataDirectory} ({ex.Message.TrimEnd('.')}). Run the console as root or as the account NasDash runs as.", ex);
        }
    }

    private static void CheckHoldsStore(string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, Storage.DataDirectory.DatabaseFile)))
        {
            throw new ConsoleRefusedException($"{dataDirectory} holds no NasDash store ({Storage.DataDirectory.DatabaseFile}). Pass the server's data directory with --data <dir>.");
        }
    }
}

/// <summary>Requests to the running server, one connection each.</summary>
internal sealed class SocketChannel(string socketPath) : IAdministrationChannel
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(60);

    public string Description => "the running server";

    public string Via => "server";

    /// <summary>True when a server accepts a connection; false when the file is missing or stale (no listener).</summary>
    public static async Task<bool> AnswersAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            return false;
        }

        if (SocketTrust.Problem(socketPath) is { } distrust)
        {
            throw new ConsoleRefusedException($"Not talking to {socketPath}: {distrust}.");
        }

        try
        {
            using var socket = await ConnectAsync(socketPath, cancellationToken);
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new ConsoleRefusedException($"Permission denied on {socketPath}. Run the console as root or as the account NasDash runs as.", ex);
        }
    }

    public async Task<ConsoleReply> SendAsync(ConsoleRequest request, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReplyTimeout);
        try
        {
            using var socket = await ConnectAsync(socketPath, timeout.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(ConsoleProtocol.Serialize(request) + "\n"), timeout.Token);
            socket.Shutdown(SocketShutdown.Send);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var line = await reader.ReadLineAsync(timeout.Token);
            return (line is null ? null : ConsoleProtocol.Deserialize<ConsoleReply>(line))
                   ?? throw new ConsoleRefusedException("The server closed the console connection without an answer; see its log.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ConsoleRefusedException($"The server did not answer within {ReplyTimeout.TotalSeconds:0} s; it may be hung. Nothing is known to have changed: check with 'nasdash console status'.");
        }
        catch (SocketException ex)
        {
            throw new ConsoleRefusedException($"The server stopped answering on {socketPath} ({ex.Message}). Run the command again.", ex);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task<Socket> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>No server runs: this process opens the store (taking its exclusive lock) and uses the same core services.</summary>
internal sealed class DirectChannel : IAdministrationChannel
{
    private readonly ServiceProvider _services;

    private DirectChannel(ServiceProvider services) => _services = services;

    public string Description => "the store (no server running)";

    public string Via => "store";

    public static DirectChannel Open(string dataDirectory, IConfiguration configuration, IHostEnvironment environment)
    {
        var settings = new ConfigurationBuilder()
            .AddConfiguration(configuration)
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{NasDashOptions.Section}:{nameof(NasDashOptions.DataDirectory)}"] = dataDirectory })
            .Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddNasDashCore(settings, environment)
            .AddSsh()
            .BuildServiceProvider();
        try
        {
            services.GetRequiredService<IStoreEngine>();
            return new DirectChannel(services);
        }
        catch (StoreLockedException ex)
        {
            services.Dispose();
            throw new ConsoleRefusedException(
                $"The store in {dataDirectory} is in use, but no server answers on its console socket: the server is starting or hung, or another console is running. Try again in a moment.", ex);
        }
        catch (StoreRefusedException ex)
        {
            services.Dispose();
            throw new ConsoleRefusedException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LiteException or InvalidOperationException)
        {
            services.Dispose();
            throw new ConsoleRefusedException($"Cannot open the store in {dataDirectory}: {ex.Message}", ex);
        }
        catch
        {
            services.Dispose();
            throw;
        }
    }

    public async Task<ConsoleReply> SendAsync(ConsoleRequest request, CancellationToken cancellationToken = default)
    {
        var actor = string.IsNullOrWhiteSpace(request.Actor) ? "unknown" : request.Actor.Trim();
        if (PeerCredentials.CurrentUserId() is { } uid)
        {
            actor += $" (uid {uid})";
        }

        var reply = await ConsoleProtocol.HandleAsync(_services.GetRequiredService<AccountAdministration>, _services.GetRequiredService<SshCodeCheck>(), request, actor, cancellationToken);
        // No server runs to reconcile: a lockout event decided here (wrong SSH codes) shuts SSH off from this process.
        if (_services.GetRequiredService<SshLogin>() is { ShutOffPending: true } login)
        {
            login.ApplyPendingShutOffs();
        }

        return reply;
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
