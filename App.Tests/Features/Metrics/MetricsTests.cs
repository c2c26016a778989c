using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using NasDash.Tests.Browser;
using NasDash.Tests.Features.Api;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Metrics;

/// <summary>/metrics on the real app: a valid Prometheus exposition (promtool), the appliance's series, and counters that move.</summary>
public sealed partial class MetricsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scrape_WithAMetricsToken_IsAnExpositionPromtoolAccepts_WithTheAppliancesSeriesAndNoUserName()
    {
        var promtool = DebianPrograms.Require("promtool", "prometheus");
        using var server = new AppServer();
        var admin = ApiServer.Seed(server, "metricsadmin");
        var token = await ApiServer.MintAsync(server, admin, ApiScopes.Metrics);
        using var http = ApiServer.Client(server, token);
        using var browser = HttpSignIn.Browserless(server, new CookieContainer());
        await HttpSignIn.SignInAsync(server, browser, SeededAccounts.Create(server.Services, "signer"), DateTimeOffset.UtcNow);

        var text = await ScrapeAsync(http);
        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "nasdash-last-scrape.txt"), text, Cancel);

        var (exit, output) = await RunWithInputAsync(promtool, text, "check", "metrics");
        Assert.True(exit == 0, $"promtool check metrics: {output}\n{text}");
        foreach (var series in new[]
        {
            "nasdash_accounts{state=\"normal\"} 2", "nasdash_accounts{state=\"super-locked\"} 0", "nasdash_ssh_login_disabled{} 0",
            "nasdash_notices_pending{} ", "nasdash_circuits{} ", "nasdash_store_commit_duration_seconds_bucket{",
            "nasdash_sign_ins_total{kind=\"totp\",outcome=\"succeeded\"} 1", "nasdash_notices_queued_total{} ", "service_name=\"nasdash\"",
        })
        {
            Assert.Contains(series, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("metricsadmin", text, StringComparison.Ordinal);
        Assert.DoesNotContain("signer", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_WithoutAToken_Is401()
    {
        using var server = new AppServer();
        SeededAccounts.CompleteSetup(server.Services);
        using var http = ApiServer.Client(server, null);

        using var response = await http.GetAsync("/metrics", Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task LockoutEvent_MovesTheLockoutCounter()
    {
        using var server = new AppServer();
        var admin = ApiServer.Seed(server, "metricsadmin");
        var victim = ApiServer.Seed(server, "victim");
        var token = await ApiServer.MintAsync(server, admin, ApiScopes.Metrics);
        using var http = ApiServer.Client(server, token);
        var before = LockoutCount(await ScrapeAsync(http));

        var stepUp = server.Get<StepUp>();
        var failures = server.Get<ISettingsStore>().Get().TwoFactor.TotpFailuresBeforeRecovery;
        for (var i = 0; i < failures; i++)
        {
            Assert.Equal(StepUpOutcome.Wrong, await stepUp.VerifyAsync(victim.Id, "000000", StepUpPurpose.EnableSsh, "192.0.2.9", Cancel));
        }

        Assert.Equal(AccountState.Recovery, SeededAccounts.Stored(server.Services, "victim").State);
        var after = await ScrapeAsync(http);
        Assert.True(LockoutCount(after) >= before + 1, $"before {before}; after:\n{after}");
    }

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Cancel);
    }

    private static double LockoutCount(string exposition) =>
        LockoutLine().Match(exposition) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex("^nasdash_lockout_events_total\\{kind=\"moved-to-recovery\"\\} ([0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex LockoutLine();

    private static async Task<(int Exit, string Output)> RunWithInputAsync(string path, string input, params string[] arguments)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start.");
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Cancel);
        var error = process.StandardError.ReadToEndAsync(Cancel);
        await process.WaitForExitAsync(Cancel);
        return (process.ExitCode, await output + await error);
    }
}
