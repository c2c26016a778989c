using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NasDash.SideBySide;

/// <summary>
/// One published app started as its own process on a free loopback port, in Production, with its output in a log
/// file. Disposing it kills that process (by the id it was started with) and nothing else.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly Process _process;

    private ServerProcess(Process process, string baseUrl, TimeSpan coldStart)
    {
        _process = process;
        BaseUrl = baseUrl;
        ColdStart = coldStart;
    }

    public string BaseUrl { get; }

    /// <summary>From the process start to the first 200 answer of the probe path.</summary>
    public TimeSpan ColdStart { get; }

    public int Id => _process.Id;

    /// <summary>Starts <paramref name="assembly"/> with <c>dotnet</c> in its own folder and waits for <paramref name="probePath"/> to answer 200.</summary>
    public static async Task<ServerProcess> StartAsync(string assembly, string probePath, IEnumerable<string> arguments, string logFile)
    {
        var port = FreePort();
        // localhost, not 127.0.0.1: Chromium keeps the Secure session cookie of a production server only on localhost.
        var baseUrl = $"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}";
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(assembly))!,
            UseShellExecute = false,
        };
        // exec: the shell becomes the server, so the id we kill is the server's.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec dotnet \"$@\" >>\"$NASDASH_BENCH_LOG\" 2>&1");
        start.ArgumentList.Add("server");
        start.ArgumentList.Add(Path.GetFullPath(assembly));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUrl);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NASDASH_BENCH_LOG"] = logFile;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";

        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {assembly}.");
        TimeSpan coldStart;
        try
        {
            coldStart = await WaitForAnswerAsync(process, baseUrl + probePath, clock);
        }
        catch
        {
            await new ServerProcess(process, baseUrl, TimeSpan.Zero).DisposeAsync();
            throw;
        }

        return new ServerProcess(process, baseUrl, coldStart);
    }

    /// <summary>Resident set size (VmRSS) of the server process, in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("No VmRSS line in /proc/<pid>/status.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static async Task<TimeSpan> WaitForAnswerAsync(Process process, string url, Stopwatch clock)
    {
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)} before answering {url}; see its log.");
            }

            try
            {
                using var response = await Probe.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return clock.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"{url} did not answer 200 within 60 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
