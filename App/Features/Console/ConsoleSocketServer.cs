using System.Net.Sockets;
using System.Text;
using NasDash.Storage;

namespace NasDash.Features.Console;

/// <summary>
/// Lets `nasdash console` act while the server runs. The server is the only writer of the store (two LiteDB
/// writers lose data, LiteDB #2163), so the console sends its request here and the server makes the change
/// with the same <see cref="AccountAdministration"/>, so open circuits and alerts react at once. The socket
/// lives in the data directory with mode 0600 and is never on TCP: whoever can reach it can read the store anyway.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "_stopping is never disposed on purpose: see its comment.")]
public sealed class ConsoleSocketServer(IStoreEngine store, NasDashOptions options, AccountAdministration administration, SshCodeCheck sshCodes, ILogger<ConsoleSocketServer> logger,
    NasDash.Fleet.FleetStatusProbe? fleet = null)
    : IHostedService
{
    public const string FileName = "console.sock";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    // Never disposed: the host may call StopAsync twice (the test host and Program's RunAsync both stop it),
    // the second time after disposing its services; a token source without a timer holds nothing to release.
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;
    private readonly uint? _serverUserId = PeerCredentials.CurrentUserId();
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private string? _path;

    public static string SocketPath(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = store; // Opened first: a store that refuses to open stops the start before the socket appears.
        _path = SocketPath(options.DataDirectory);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // This process holds the store's lock, so no other server serves this directory: a socket file
            // here was left by a server that was killed.
            File.Delete(_path);
            listener.Bind(new UnixDomainSocketEndPoint(_path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            listener.Listen(8);
            _listener = listener;
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The dashboard keeps running; the console then cannot act until the server stops.
            listener.Dispose();
            logger.LogError(ex, "The local console socket {Path} could not be opened; `nasdash console` will not work while this server runs", _path);
            return Task.CompletedTask;
        }

        _accepting = AcceptAsync(_listener, _stopping.Token);
        logger.LogInformation("Local console socket listening on {Path}", _path);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener?.Dispose();
        try
        {
            await _accepting.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        if (_listener is not null && _path is not null)
        {
            File.Delete(_path);
        }
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // E.g. out of file descriptors: keep serving once it passes.
                logger.LogWarning("Accepting a local console connection failed: {Reason}", ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            _ = ServeAsync(client, stopping);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(RequestTimeout);
        await using var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            var peer = PeerCredentials.Of(client);
            var reply = await AnswerAsync(stream, peer, timeout.Token);
            if (reply is not null)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(ConsoleProtocol.Serialize(reply) + "\n"), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
        {
            logger.LogWarning("A local console connection ended early: {Reason}", ex.Message);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "A local console request failed");
            await TryWriteAsync(stream, new ConsoleReply(ConsoleOutcome.Failed, "The server could not carry out the request; see its log."));
        }
    }

    private async Task<ConsoleReply?> AnswerAsync(NetworkStream stream, PeerCredentials? peer, CancellationToken cancellationToken)
    {
        if (peer is not null && !peer.MayAdminister(_serverUserId))
        {
            logger.LogWarning("Refused a local console request from uid {Uid}", peer.UserId);
            return new ConsoleReply(ConsoleOutcome.Rejected, "Only root or the account NasDash runs as may use the local console.");
        }

        var line = await ReadLineAsync(stream, cancellationToken);
        if (line is null)
        {
            // A probe: the client only checked that a server answers.
            return null;
        }

        ConsoleRequest? request;
        try
        {
            request = ConsoleProtocol.Deserialize<ConsoleRequest>(line);
        }
        catch (System.Text.Json.JsonException)
        {
            request = null;
        }

        if (request is null)
        {
            return new ConsoleReply(ConsoleOutcome.Rejected, "Malformed console request.");
        }

        var actor = string.IsNullOrWhiteSpace(request.Actor) ? "unknown" : request.Actor.Trim();
        if (peer is not null)
        {
            actor += $" (uid {peer.UserId})";
        }

        if (request.Verb is not ConsoleProtocol.Status and not ConsoleProtocol.FleetStatus)
        {
            logger.LogInformation("Local console: {Request} by {Actor}", request, actor);
        }

        if (request.Verb == ConsoleProtocol.FleetStatus)
        {
            if (fleet is null)
            {
                return new ConsoleReply(ConsoleOutcome.Rejected, FleetCommands.NotInFleet);
            }

            try
            {
                return new ConsoleReply(ConsoleOutcome.Done, "", Fleet: await fleet.ProbeAsync(cancellationToken));
            }
            catch (StoreRefusedException ex)
            {
                return new ConsoleReply(ConsoleOutcome.Rejected, ex.Message);
            }
        }

        return await ConsoleProtocol.HandleAsync(() => administration, sshCodes, request, actor, cancellationToken);
    }

    private static async Task<string?> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        while (buffer.Length <= ConsoleProtocol.MaxLineLength)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return buffer.Length == 0 ? null : Encoding.UTF8.GetString(buffer.ToArray());
            }

            var newline = Array.IndexOf(chunk, (byte)'\n', 0, read);
            buffer.Write(chunk, 0, newline < 0 ? read : newline);
            if (newline >= 0)
            {
                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        throw new IOException("Console request too long.");
    }

    private static async Task TryWriteAsync(NetworkStream stream, ConsoleReply reply)
    {
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(ConsoleProtocol.Serialize(reply) + "\n"));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
        }
    }
}
