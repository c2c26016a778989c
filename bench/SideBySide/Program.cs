using System.Globalization;
using NasDash.SideBySide;

// bench/run.sh builds both apps and calls this; see the README's "Performance" section.
var options = BenchOptions.Parse(args);
Directory.CreateDirectory(options.WorkDirectory);
var figures = new Figures();

await using (var browser = await BrowserPages.LaunchAsync())
{
    var apps = new Side[] { new TemplateSide(options), new NasDashSide(options) };
    Console.Error.WriteLine("warm-up: one start of each app, not counted");
    foreach (var app in apps)
    {
        await app.WarmUpAsync();
    }

    for (var run = 1; run <= options.Runs; run++)
    {
        // Alternate which goes first, so a disturbance early or late in a run does not always hit the same app.
        var order = run % 2 == 1 ? apps : [.. apps.Reverse()];
        foreach (var app in order)
        {
            Console.Error.WriteLine($"run {run.ToString(CultureInfo.InvariantCulture)}/{options.Runs.ToString(CultureInfo.InvariantCulture)}: {app.Name}");
            await app.MeasureAsync(browser, figures.Run(run, app.Name));
        }
    }
}

Console.WriteLine(figures.Table(options));
return 0;

internal sealed record BenchOptions(string TemplateAssembly, string NasDashAssembly, int Runs, int Starts, int FewTabs, int ManyTabs, string WorkDirectory, string? GcDumpDirectory)
{
    public static BenchOptions Parse(string[] args)
    {
        string? template = null, nasdash = null, work = null, gcdump = null;
        int runs = 3, starts = 5, few = 10, many = 30;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--template": template = args[i + 1]; break;
                case "--nasdash": nasdash = args[i + 1]; break;
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--starts": starts = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--tabs":
                    var counts = args[i + 1].Split(',');
                    (few, many) = (int.Parse(counts[0], CultureInfo.InvariantCulture), int.Parse(counts[1], CultureInfo.InvariantCulture));
                    break;
                case "--work": work = args[i + 1]; break;
                case "--gcdump": gcdump = Path.GetFullPath(args[i + 1]); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        if (template is null || nasdash is null || runs < 1 || starts < 1 || few < 1 || many <= few)
        {
            throw new ArgumentException("usage: --template <Template.dll> --nasdash <NasDash.dll> [--runs 3] [--starts 5] [--tabs 10,30] [--work <dir>] [--gcdump <dir>]");
        }

        return new BenchOptions(template, nasdash, runs, starts, few, many, work ?? Path.Combine(Path.GetTempPath(), "nasdash-bench"), gcdump);
    }
}

/// <summary>One of the two apps and how each of its figures is taken.</summary>
internal abstract class Side(BenchOptions options)
{
    protected BenchOptions Options { get; } = options;

    public abstract string Name { get; }

    /// <summary>Every start's output, appended, kept after the run (the data directories are not).</summary>
    protected string LogFile => Path.Combine(Options.WorkDirectory, Name + ".log");

    public async Task WarmUpAsync()
    {
        var data = NewDataDirectory();
        await using (await StartAsync(data))
        {
        }

        DeleteQuietly(data);
    }

    public abstract Task MeasureAsync(BrowserPages browser, Dictionary<string, double> figures);

    protected abstract Task<ServerProcess> StartAsync(string dataDirectory);

    /// <summary>
    /// The boot of a set-up appliance: the median of <see cref="BenchOptions.Starts"/> new processes on the data
    /// directory the run used, each timed to its first answer and stopped. One start says little on a shared machine.
    /// </summary>
    protected async Task MeasureRestartAsync(string dataDirectory, Dictionary<string, double> figures)
    {
        var starts = new List<double>();
        while (starts.Count < Options.Starts)
        {
            await using var server = await StartAsync(dataDirectory);
            starts.Add(server.ColdStart.TotalMilliseconds);
        }

        figures[Figure.Restart] = Figures.Median(starts);
    }

    /// <summary>
    /// Cold start on an empty data directory (the median of this start and <see cref="BenchOptions.Starts"/> − 1 more,
    /// each on a new empty directory), then idle RSS: three seconds after this start's first answer, with nothing else served.
    /// </summary>
    protected async Task<ServerProcess> StartMeasuredAsync(string dataDirectory, Dictionary<string, double> figures)
    {
        var starts = new List<double>();
        while (starts.Count < Options.Starts - 1)
        {
            var empty = NewDataDirectory();
            await using (var other = await StartAsync(empty))
            {
                starts.Add(other.ColdStart.TotalMilliseconds);
            }

            DeleteQuietly(empty);
        }

        var server = await StartAsync(dataDirectory);
        starts.Add(server.ColdStart.TotalMilliseconds);
        figures[Figure.ColdStart] = Figures.Median(starts);
        await Task.Delay(3000);
        figures[Figure.IdleRss] = server.ResidentBytes() / 1024.0 / 1024.0;
        return server;
    }

    protected void RecordFirstLoad(FirstLoad load, Dictionary<string, double> figures)
    {
        // Where the bytes go, for whoever reads the log rather than the table.
        foreach (var (url, bytes) in load.Responses)
        {
            Console.Error.WriteLine($"  {Name} first load: {bytes.ToString("#,0", CultureInfo.InvariantCulture),9} B  {url}");
        }

        figures[Figure.FirstLoadHttp] = load.HttpBytes / 1024.0;
        figures[Figure.FirstLoadRequests] = load.HttpRequests;
        figures[Figure.FirstLoadWebSocket] = load.WebSocketBytes / 1024.0;
        figures[Figure.UntilInteractive] = load.UntilInteractive.TotalMilliseconds;
    }

    /// <summary>
    /// Server memory per additional live circuit: RSS after a forced GC with the few tabs open, again with the many,
    /// divided by the tabs added. Every tab is closed afterwards, whatever happened.
    /// </summary>
    protected async Task<double> CircuitKilobytesAsync(ServerProcess server, Microsoft.Playwright.IBrowserContext context, string path)
    {
        var pages = new List<Microsoft.Playwright.IPage>();
        try
        {
            while (pages.Count < Options.FewTabs)
            {
                pages.Add(await BrowserPages.OpenLiveAsync(context, path));
            }

            await ForcedGc.SettleAsync(server);
            var few = server.ResidentBytes();
            await HeapDumpAsync(server, path, Options.FewTabs);
            while (pages.Count < Options.ManyTabs)
            {
                pages.Add(await BrowserPages.OpenLiveAsync(context, path));
            }

            await ForcedGc.SettleAsync(server);
            var many = server.ResidentBytes();
            await HeapDumpAsync(server, path, Options.ManyTabs);
            return (many - few) / 1024.0 / (Options.ManyTabs - Options.FewTabs);
        }
        finally
        {
            foreach (var page in pages)
            {
                await BrowserPages.CloseAsync(page);
            }
        }
    }

    /// <summary>
    /// With --gcdump, a heap dump by dotnet-gcdump (a global tool; it induces its own GC) at each tab count, after
    /// the RSS reading: <c>dotnet-gcdump report</c> of the two, type by type, says what one circuit holds.
    /// </summary>
    private async Task HeapDumpAsync(ServerProcess server, string path, int tabs)
    {
        if (Options.GcDumpDirectory is null)
        {
            return;
        }

        Directory.CreateDirectory(Options.GcDumpDirectory);
        var name = $"{Name}-{(path.Trim('/').Length == 0 ? "root" : path.Trim('/'))}-{tabs.ToString(CultureInfo.InvariantCulture)}.gcdump";
        var dump = new System.Diagnostics.ProcessStartInfo("dotnet-gcdump") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "collect", "-p", server.Id.ToString(CultureInfo.InvariantCulture), "-o", Path.Combine(Options.GcDumpDirectory, name) })
        {
            dump.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(dump) ?? throw new InvalidOperationException("dotnet-gcdump could not be started.");
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
    }

    protected string NewDataDirectory()
    {
        var path = Path.Combine(Options.WorkDirectory, $"{Name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    protected static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The bare <c>dotnet new blazor --interactivity Server</c> app; its interactive page is /counter.</summary>
internal sealed class TemplateSide(BenchOptions options) : Side(options)
{
    public override string Name => "template";

    public override async Task MeasureAsync(BrowserPages browser, Dictionary<string, double> figures)
    {
        var data = NewDataDirectory();
        try
        {
            await using (var server = await StartMeasuredAsync(data, figures))
            {
                RecordFirstLoad(await browser.MeasureFirstLoadAsync(server.BaseUrl, "/counter"), figures);
                await using var context = await browser.NewContextAsync(server.BaseUrl);
                figures[Figure.CircuitLogin] = figures[Figure.CircuitDashboard] = figures[Figure.CircuitSetup] =
                    await CircuitKilobytesAsync(server, context, "/counter");
            }

            await MeasureRestartAsync(data, figures);
        }
        finally
        {
            DeleteQuietly(data);
        }
    }

    protected override Task<ServerProcess> StartAsync(string dataDirectory) =>
        ServerProcess.StartAsync(Options.TemplateAssembly, "/", [], LogFile);
}

/// <summary>NasDash on a fresh data directory: /setup first, then the wizard, /login, and signed-in /.</summary>
internal sealed class NasDashSide(BenchOptions options) : Side(options)
{
    public override string Name => "NasDash";

    public override async Task MeasureAsync(BrowserPages browser, Dictionary<string, double> figures)
    {
        var data = NewDataDirectory();
        try
        {
            await using (var server = await StartMeasuredAsync(data, figures))
            {
                var steps = new NasDashSteps(data);
                await using (var setup = await browser.NewContextAsync(server.BaseUrl))
                {
                    figures[Figure.CircuitSetup] = await CircuitKilobytesAsync(server, setup, "/setup");
                    await steps.CompleteSetupAsync(setup);
                }

                RecordFirstLoad(await browser.MeasureFirstLoadAsync(server.BaseUrl, "/login"), figures);
                await using var signedIn = await browser.NewContextAsync(server.BaseUrl);
                figures[Figure.CircuitLogin] = await CircuitKilobytesAsync(server, signedIn, "/login");
                await steps.SignInAsync(signedIn);
                figures[Figure.CircuitDashboard] = await CircuitKilobytesAsync(server, signedIn, "/");
            }

            await MeasureRestartAsync(data, figures);
        }
        finally
        {
            DeleteQuietly(data);
        }
    }

    protected override Task<ServerProcess> StartAsync(string dataDirectory) =>
        ServerProcess.StartAsync(Options.NasDashAssembly, "/healthz",
        [
            "--NasDash:DataDirectory", dataDirectory,
            "--NasDash:HostName", "nas-bench",
            // Never the machine's sshd configuration: the benchmark may run as root.
            "--NasDash:Ssh:DropInDirectory", Path.Combine(dataDirectory, "sshd_config.d"),
            "--NasDash:Ssh:PidFile", Path.Combine(dataDirectory, "sshd.pid"),
            "--NasDash:Ssh:PamServiceFile", Path.Combine(dataDirectory, "pam.d", "sshd"),
            "--NasDash:Ssh:SshdConfigFile", Path.Combine(dataDirectory, "sshd_config"),
        ], LogFile);
}
