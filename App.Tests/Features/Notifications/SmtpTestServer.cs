using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using NasDash.Tests.Features.Ssh;

namespace NasDash.Tests.Features.Notifications;

/// <summary>
/// A real SMTP server: Debian's aiosmtpd (python3-aiosmtpd) in its own process, storing each transaction in a
/// maildir; optionally with STARTTLS on a self-signed test certificate. Missing aiosmtpd skips a test on a
/// developer machine and fails it in CI (.ci/run installs it).
/// </summary>
public sealed class SmtpTestServer : IDisposable
{
    // The pyenv shim called python3 on PATH has no aiosmtpd; Debian's interpreter does.
    private const string Python = "/usr/bin/python3";
    private readonly Process _process;
    private readonly string _directory;

    private SmtpTestServer(Process process, string directory, int port, X509Certificate2? certificate)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Certificate = certificate;
    }

    public int Port { get; }
    public X509Certificate2? Certificate { get; }
    public string Maildir => Path.Combine(_directory, "mail");

    public static void Require()
    {
        var available = File.Exists(Python) && HostTools.Run(Python, "-c", "import aiosmtpd").ExitCode == 0;
        if (available)
        {
            return;
        }

        var message = $"{Python} with aiosmtpd is missing (package python3-aiosmtpd)";
        if (HostTools.InCi)
        {
            Assert.Fail($"CI=true but {message}");
        }

        Assert.Skip(message);
    }

    /// <summary>Starts aiosmtpd on <paramref name="port"/> (a free one when 0) and waits until it greets.</summary>
    public static async Task<SmtpTestServer> StartAsync(int port = 0, bool startTls = false, string? maildirRoot = null)
    {
        Require();
        port = port == 0 ? FreePort() : port;
        var directory = maildirRoot ?? Directory.CreateTempSubdirectory("nasdash-smtp-").FullName;
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox" })
        {
            start.ArgumentList.Add(argument);
        }

        X509Certificate2? certificate = null;
        if (startTls)
        {
            certificate = SelfSigned("smtp.test");
            var certFile = Path.Combine(directory, "cert.pem");
            var keyFile = Path.Combine(directory, "key.pem");
            await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
            using (var key = certificate.GetRSAPrivateKey()!)
            {
                await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
            }

            start.ArgumentList.Add("--tlscert");
            start.ArgumentList.Add(certFile);
            start.ArgumentList.Add("--tlskey");
            start.ArgumentList.Add(keyFile);
        }

        // The handler's argument, after the options: the maildir it stores messages in.
        start.ArgumentList.Add(Path.Combine(directory, "mail"));
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new SmtpTestServer(process, directory, port, certificate);
        await server.WaitForGreetingAsync();
        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The messages received so far, each with the envelope recipients aiosmtpd recorded (X-RcptTo).</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var folder = Path.Combine(Maildir, "new");
        return Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))]
            : [];
    }

    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            var messages = Messages();
            if (messages.Count >= count)
            {
                return messages;
            }

            await Task.Delay(50);
        }

        return Messages();
    }

    /// <summary>Stops the server but keeps its maildir, so a server started later on the same port adds to it.</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        Certificate?.Dispose();
    }

    public void DeleteFiles()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private async Task WaitForGreetingAsync()
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"aiosmtpd exited with {_process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                using var reader = new StreamReader(client.GetStream());
                var greeting = await reader.ReadLineAsync();
                if (greeting?.StartsWith("220", StringComparison.Ordinal) == true)
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"aiosmtpd did not greet on port {Port}");
    }
}

/// <summary>An SMTP server that accepts connections and never says a word: the worst case for a sender.</summary>
public sealed class HangingSmtpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _held = [];
    private readonly CancellationTokenSource _stop = new();

    public HangingSmtpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }
    public int Connections { get { lock (_held) { return _held.Count; } } }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held)
        {
            foreach (var client in _held)
            {
                client.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_held)
                {
                    _held.Add(client);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
