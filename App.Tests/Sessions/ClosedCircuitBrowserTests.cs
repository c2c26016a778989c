using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Sessions;

/// <summary>
/// Issue 28: a closed page's circuit makes no JS call of NasDash's into the browser that is gone (each one is an exception
/// thrown and caught, for nothing). MudBlazor's own disposals still call (its components catch what they throw).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ClosedCircuitBrowserTests(Chromium chromium)
{
    /// <summary>Per circuit; disposed with the circuit's scope, after its components.</summary>
    private sealed class CircuitGone(Circuits circuits) : CircuitHandler, IDisposable
    {
        private string? _id;

        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            _id = circuit.Id;
            circuits.Opened.Enqueue(circuit.Id);
            return Task.CompletedTask;
        }

        public void Dispose() => circuits.Gone.GetOrAdd(_id ?? "", _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private sealed class Circuits
    {
        public ConcurrentQueue<string> Opened { get; } = new();
        public ConcurrentDictionary<string, TaskCompletionSource> Gone { get; } = new();
    }

    [Fact]
    public async Task ClosingASignedInPage_DisposesItsCircuitWithoutAJSDisconnectedException()
    {
        var circuits = new Circuits();
        using var server = new AppServer(services: s => s.AddScoped<CircuitHandler>(_ => new CircuitGone(circuits)));
        var alice = TestAdministrators.Seed(server.Services, "alice");
        // Each exception once (an await rethrows it frame by frame), named by the innermost NasDash or MudBlazor frame that called.
        var thrown = new ConcurrentDictionary<Exception, string>(ReferenceEqualityComparer.Instance);
        var counting = false;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Volatile.Read(ref counting) && e.Exception is JSDisconnectedException)
            {
                thrown.TryAdd(e.Exception, Environment.StackTrace.Split('\n')
                    .Select(line => line.Trim())
                    .FirstOrDefault(line => line.StartsWith("at MudBlazor.", StringComparison.Ordinal) ||
                                            (line.StartsWith("at NasDash.", StringComparison.Ordinal) && !line.Contains(".Tests.", StringComparison.Ordinal))) ?? "?");
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            var b = await BrowserPage.OpenAsync(chromium, server);
            await b.RunAsync(nameof(ClosingASignedInPage_DisposesItsCircuitWithoutAJSDisconnectedException), async _ =>
            {
                await BrowserSignIn.SignInAsync(b, server, alice);
                await b.WaitInteractiveAsync();
            });

            var dashboard = circuits.Opened.Last();
            var gone = circuits.Gone.GetOrAdd(dashboard, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            Volatile.Write(ref counting, true);
            await b.Page.CloseAsync();
            await gone.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            await b.DisposeAsync();
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        var callers = thrown.Values.ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"JSDisconnectedExceptions after close: {callers.Count}\n{string.Join('\n', callers)}");
        Assert.DoesNotContain(callers, caller => !caller.StartsWith("at MudBlazor.", StringComparison.Ordinal));
    }
}
