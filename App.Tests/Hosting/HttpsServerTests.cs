using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using NasDash.Hosting;
using NasDash.Tests.Features.Console;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

/// <summary>The published way to run it (Production, an https address, no certificate configured), as a real process.</summary>
public sealed partial class HttpsServerTests
{
    [Fact]
    public async Task Production_HttpsWithoutCertificate_ServesTheSelfSignedApplianceCertificateAndKeepsItAcrossRestarts()
    {
        using var data = new TempDirectory();
        var first = await ServeOnceAsync(data.Path);
        // An appliance that left its fleet serves standalone, and says why the fleet it is still configured with is ignored.
        File.WriteAllText(NasDash.Fleet.FleetMembership.LeftMarker(data.Path), System.Text.Json.JsonSerializer.Serialize(
            new NasDash.Fleet.LeftFleet("/nasdash/", "http://127.0.0.1:9", DateTimeOffset.UtcNow, 7)));
        var second = await ServeOnceAsync(data.Path, "--NasDash:PasswordIterations", "1000", "--NasDash:Fleet:Etcd:Endpoints", "http://127.0.0.1:9");

        var stored = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(data.Path, ApplianceCertificate.FileName), null);
        Assert.Equal(stored.Thumbprint, first.Thumbprint);
        Assert.Equal(stored.Thumbprint, second.Thumbprint);
        Assert.Contains(first.Log, l => l.Contains("Created a self-signed HTTPS certificate", StringComparison.Ordinal) &&
                                        l.Contains(stored.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), StringComparison.Ordinal));
        Assert.DoesNotContain(second.Log, l => l.Contains("Created a self-signed", StringComparison.Ordinal));
        Assert.Contains(first.Log, l => l.Contains("http://0.0.0.0:", StringComparison.Ordinal) && l.Contains("is plain http", StringComparison.Ordinal));
        // A work factor is honoured as configured, whatever the environment is called, and a cheap one is said out loud.
        Assert.DoesNotContain(first.Log, l => l.Contains("NasDash:PasswordIterations is", StringComparison.Ordinal));
        Assert.Contains(second.Log, l => l.Contains("NasDash:PasswordIterations is 1000, below the recommended", StringComparison.Ordinal));
        Assert.DoesNotContain(first.Log, l => l.Contains("left its fleet", StringComparison.Ordinal));
        Assert.Contains(second.Log, l => l.Contains("This appliance left its fleet (prefix /nasdash/)", StringComparison.Ordinal) &&
                                         l.Contains("ignores NasDash:Fleet:Etcd", StringComparison.Ordinal));
    }

    private sealed record Served(string Thumbprint, IReadOnlyList<string> Log);

    /// <summary>Starts the server, fetches /healthz over https noting the certificate presented, stops the server.</summary>
    private static async Task<Served> ServeOnceAsync(string dataDirectory, params string[] extra)
    {
        var log = new ConcurrentQueue<string>();
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = NasDashProcess.StartServer(dataDirectory, line =>
        {
            log.Enqueue(line);
            if (RunningAt().Match(line) is { Success: true } m)
            {
                started.TrySetResult(m.Groups[1].Value);
            }
        }, ["--environment", "Production", "--urls", "https://127.0.0.1:0;http://0.0.0.0:0", "--Logging:Console:FormatterName", "simple", .. extra]);
        try
        {
            var baseUrl = await started.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            X509Certificate2? presented = null;
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate is null ? null : new X509Certificate2(certificate);
                    return true;
                },
            };
            using var http = new HttpClient(handler);
            var response = await http.GetAsync(new Uri(baseUrl + "/healthz"), TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotNull(presented);
            return new Served(presented.Thumbprint, [.. log]);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [GeneratedRegex(@"Open (https://127\.0\.0\.1:\d+)")]
    private static partial Regex RunningAt();
}
