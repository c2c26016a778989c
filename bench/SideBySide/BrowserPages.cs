using System.Diagnostics;
using Microsoft.Playwright;

namespace NasDash.SideBySide;

/// <summary>What a browser loads for a page, measured from an empty cache until the circuit is live.</summary>
public sealed record FirstLoad(long HttpBytes, int HttpRequests, long WebSocketBytes, TimeSpan UntilInteractive, IReadOnlyList<(string Url, long Bytes)> Responses);

/// <summary>Debian's Chromium driven by Playwright: first loads and many open circuits.</summary>
public sealed class BrowserPages : IAsyncDisposable
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string InteractiveMarker = "[data-testid=interactive]";

    private readonly IPlaywright _playwright;

    private BrowserPages(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<BrowserPages> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install chromium.");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--no-first-run"],
        });
        return new BrowserPages(playwright, browser);
    }

    public async Task<IBrowserContext> NewContextAsync(string baseUrl)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, AcceptDownloads = true });
        context.SetDefaultTimeout(30_000);
        return context;
    }

    /// <summary>
    /// Opens <paramref name="path"/> in a fresh context (empty cache) and counts every byte until the page is
    /// interactive and a second has passed. The page is rendered once before, untimed, so both apps are measured
    /// with their code for it already compiled, as every visitor after the first finds it.
    /// </summary>
    public async Task<FirstLoad> MeasureFirstLoadAsync(string baseUrl, string path)
    {
        await using (var warmUp = await NewContextAsync(baseUrl))
        {
            await CloseAsync(await OpenLiveAsync(warmUp, path));
        }

        await using var context = await NewContextAsync(baseUrl);
        var page = await context.NewPageAsync();
        var sizes = new List<(string Url, Task<RequestSizesResult> Sizes)>();
        long webSocketBytes = 0;
        page.RequestFinished += (_, request) =>
        {
            lock (sizes)
            {
                sizes.Add((request.Url, request.SizesAsync()));
            }
        };
        page.WebSocket += (_, socket) =>
        {
            socket.FrameReceived += (_, frame) => Interlocked.Add(ref webSocketBytes, LengthOf(frame));
            socket.FrameSent += (_, frame) => Interlocked.Add(ref webSocketBytes, LengthOf(frame));
        };

        var clock = Stopwatch.StartNew();
        await page.GotoAsync(path);
        await WaitInteractiveAsync(page);
        var untilInteractive = clock.Elapsed;
        // Whatever the page still fetches once live (fonts, lazy scripts, the first render batches) is part of the first load.
        await Task.Delay(1000);

        List<(string Url, Task<RequestSizesResult> Sizes)> requests;
        lock (sizes)
        {
            requests = [.. sizes];
        }

        var responses = new List<(string Url, long Bytes)>();
        foreach (var (url, sized) in requests)
        {
            var result = await sized;
            responses.Add((url, (long)result.ResponseBodySize + result.ResponseHeadersSize));
        }

        await CloseAsync(page);
        return new FirstLoad(responses.Sum(r => r.Bytes), responses.Count, Interlocked.Read(ref webSocketBytes), untilInteractive, responses);
    }

    /// <summary>A new tab on <paramref name="path"/>, returned once its circuit is live.</summary>
    public static async Task<IPage> OpenLiveAsync(IBrowserContext context, string path)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await WaitInteractiveAsync(page);
        return page;
    }

    public static Task WaitInteractiveAsync(IPage page) =>
        page.Locator(InteractiveMarker).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    /// <summary>Leaves the page first, so Blazor tells the server the circuit is gone instead of leaving it retained as disconnected.</summary>
    public static async Task CloseAsync(IPage page)
    {
        try
        {
            await page.GotoAsync("about:blank");
        }
        catch (PlaywrightException)
        {
        }

        await page.CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static long LengthOf(IWebSocketFrame frame) =>
        frame.Binary?.LongLength ?? System.Text.Encoding.UTF8.GetByteCount(frame.Text ?? "");
}
