using System.Globalization;
using System.Text;

namespace NasDash.SideBySide;

internal static class Figure
{
    public const string ColdStart = "cold start to first answer, empty data directory (ms; NasDash /healthz, template /)";
    public const string Restart = "cold start to first answer, data of a set-up appliance (ms; the boot)";
    public const string IdleRss = "idle RSS, 3 s after the first answer (MB)";
    public const string CircuitLogin = "memory per open circuit: NasDash /login (KB; template /counter)";
    public const string CircuitDashboard = "memory per open circuit: NasDash signed-in / (KB; template /counter)";
    public const string CircuitSetup = "memory per open circuit: NasDash /setup (KB; template /counter)";
    public const string FirstLoadHttp = "first load, HTTP bytes on the wire (KB; NasDash /login, template /counter)";
    public const string FirstLoadRequests = "first load, HTTP requests";
    public const string FirstLoadWebSocket = "first load, WebSocket payload until 1 s after interactive (KB)";
    public const string UntilInteractive = "first load, until the interactive marker (ms)";

    public static readonly string[] InOrder =
        [ColdStart, Restart, IdleRss, CircuitLogin, CircuitDashboard, CircuitSetup, FirstLoadHttp, FirstLoadRequests, FirstLoadWebSocket, UntilInteractive];

    /// <summary>The issue's budgets, as NasDash / template; printed beside the figure, never enforced.</summary>
    public static readonly Dictionary<string, double> Budget = new()
    {
        [ColdStart] = 1.3,
        [Restart] = 1.3,
        [CircuitLogin] = 1.5,
        [CircuitDashboard] = 1.5,
        [CircuitSetup] = 1.5,
        [FirstLoadHttp] = 1.2,
    };
}

/// <summary>Every figure of every run, per app; the table shows medians and the median of the per-run ratios.</summary>
internal sealed class Figures
{
    private readonly Dictionary<(int Run, string App), Dictionary<string, double>> _runs = [];

    public Dictionary<string, double> Run(int run, string app)
    {
        var figures = new Dictionary<string, double>();
        _runs[(run, app)] = figures;
        return figures;
    }

    public string Table(BenchOptions options)
    {
        var text = new StringBuilder();
        var runs = _runs.Keys.Select(k => k.Run).Distinct().Order().ToList();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Medians of {runs.Count} runs, template and NasDash interleaved; each cold start is the median of {options.Starts} starts in its run; circuits: slope between {options.FewTabs} and {options.ManyTabs} tabs after a forced GC; ratio = median of the per-run NasDash/template ratios.");
        text.AppendLine();
        text.AppendLine("| figure | template | NasDash | ratio | budget |");
        text.AppendLine("|---|---:|---:|---:|---|");
        foreach (var figure in Figure.InOrder)
        {
            var template = Values(runs, "template", figure);
            var nasdash = Values(runs, "NasDash", figure);
            var ratios = runs
                .Where(r => Has(r, "template", figure) && Has(r, "NasDash", figure) && _runs[(r, "template")][figure] != 0)
                .Select(r => _runs[(r, "NasDash")][figure] / _runs[(r, "template")][figure])
                .ToList();
            var ratio = ratios.Count == 0 ? double.NaN : Median(ratios);
            var budget = Figure.Budget.TryGetValue(figure, out var limit)
                ? $"≤ {limit.ToString("0.0#", CultureInfo.InvariantCulture)}× ({(ratio <= limit ? "within" : "over")})"
                : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {figure} | {Format(template)} | {Format(nasdash)} | {(double.IsNaN(ratio) ? "–" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×")} | {budget} |");
        }

        text.AppendLine();
        text.AppendLine("Each run:");
        foreach (var ((run, app), figures) in _runs.OrderBy(r => r.Key.Run).ThenBy(r => r.Key.App, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  run {run} {app}: {string.Join("; ", Figure.InOrder.Where(figures.ContainsKey).Select(f => $"{Short(f)} {figures[f].ToString("0.#", CultureInfo.InvariantCulture)}"))}");
        }

        return text.ToString();
    }

    private bool Has(int run, string app, string figure) => _runs.TryGetValue((run, app), out var f) && f.ContainsKey(figure);

    private List<double> Values(List<int> runs, string app, string figure) =>
        [.. runs.Where(r => Has(r, app, figure)).Select(r => _runs[(r, app)][figure])];

    private static string Format(List<double> values) =>
        values.Count == 0 ? "–" : Median(values).ToString(Median(values) >= 100 ? "#,0" : "0.0", CultureInfo.InvariantCulture);

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Short(string figure) => figure.Split(" (")[0];
}
