using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NasDash.Tests.Browser;

/// <summary>
/// A Chromium page against an <see cref="AppServer"/>, with helpers for CONTRACT.md's data-testid handles.
/// Use <see cref="RunAsync"/> so a failure leaves a screenshot.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    private BrowserPage(IBrowserContext context, IPage page, string baseUrl)
    {
        _context = context;
        Page = page;
        BaseUrl = baseUrl;
    }

    public IPage Page { get; }
    public IBrowserContext Context => _context;
    public string BaseUrl { get; }

    /// <param name="acceptSelfSigned">Accepts the appliance's self-signed certificate, as a person does once in the browser's warning.</param>
    /// <param name="baseUrl">Another address of the server than its loopback IP, e.g. http://localhost:port for WebAuthn.</param>
    public static Task<BrowserPage> OpenAsync(Chromium chromium, AppServer server, int width = 1280, int height = 900, bool dark = false,
        bool acceptSelfSigned = false, string? baseUrl = null) =>
        OpenAsync(chromium.Browser, baseUrl ?? server.BaseUrl, width, height, dark, acceptSelfSigned);

    /// <summary>A page in a browser of the test's own (one launched with flags the shared one must not have).</summary>
    public static async Task<BrowserPage> OpenAsync(IBrowser browser, string baseUrl, int width = 1280, int height = 900, bool dark = false,
        bool acceptSelfSigned = false)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = acceptSelfSigned,
            BaseURL = baseUrl,
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return new BrowserPage(context, page, baseUrl);
    }

    /// <summary>
    /// Runs the steps; on failure saves a full-page screenshot named after the test. A browser wait that timed out is
    /// rethrown with what the page showed, on one line, because CI keeps only a failure's first lines.
    /// </summary>
    public async Task RunAsync(string name, Func<BrowserPage, Task> steps)
    {
        try
        {
            await steps(this);
        }
        catch (Exception e)
        {
            await ScreenshotAsync($"FAILED-{name}");
            if (e is TimeoutException or PlaywrightException)
            {
                var waitedFor = e.Message.Split('\n').Select(l => l.Trim(' ', '-')).FirstOrDefault(l => l.StartsWith("waiting for", StringComparison.Ordinal));
                throw new TimeoutException($"{FirstLine(e.Message)} {waitedFor}. {await WhereAsync()}", e);
            }

            throw;
        }
    }

    /// <summary>The address, the element waited for and the page's visible text, shortened, on one line.</summary>
    private async Task<string> WhereAsync()
    {
        string shown;
        try
        {
            shown = await Page.Locator("body").InnerTextAsync(new LocatorInnerTextOptions { Timeout = 2_000 });
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            shown = "(unreadable: " + FirstLine(e.Message) + ")";
        }

        shown = Regex.Replace(shown, @"\s+", " ").Trim();
        return $"Page {Page.Url} showed: \"{(shown.Length > 600 ? shown[..600] + "…" : shown)}\"";
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        var path = Path.Combine(Chromium.ScreenshotDirectory, Regex.Replace(name, "[^A-Za-z0-9_.-]", "_") + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Navigates and waits until the circuit is live, so typing never lands in prerendered HTML.</summary>
    public async Task GotoAsync(string path)
    {
        await Page.GotoAsync(path);
        await WaitInteractiveAsync();
    }

    public Task WaitInteractiveAsync() =>
        Page.Locator("[data-testid=interactive]").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public Task WaitForUrlAsync(string pathRegex) =>
        Page.WaitForURLAsync(new Regex(pathRegex), new PageWaitForURLOptions { Timeout = 15_000 });

    public ILocator ById(string testId) => Page.Locator($"[data-testid=\"{testId}\"]");

    /// <summary>The input inside a MudBlazor field whose root carries the handle (or the element itself).</summary>
    public ILocator InputOf(string testId) =>
        Page.Locator($"input[data-testid=\"{testId}\"], [data-testid=\"{testId}\"] input:not([type=hidden])").First;

    /// <summary>The button itself, or the button inside the element carrying the handle.</summary>
    public ILocator ButtonOf(string testId) =>
        Page.Locator($"button[data-testid=\"{testId}\"], a[data-testid=\"{testId}\"], [data-testid=\"{testId}\"] button").First;

    /// <summary>The whole MudBlazor field around a handle: label, input, helper and error text.</summary>
    public ILocator FieldOf(string testId) =>
        Page.Locator(".mud-input-control").Filter(new LocatorFilterOptions { Has = ById(testId) }).First;

    public async Task FillAsync(string testId, string text)
    {
        var input = InputOf(testId);
        await input.FillAsync(text);
        // MudBlazor binds on change when not Immediate: leave the field so the value reaches the circuit.
        await input.DispatchEventAsync("change");
    }

    public Task ClickAsync(string testId) => ButtonOf(testId).ClickAsync();

    /// <summary>Waits until every running animation and transition has finished, so boxes measured next are final
    /// (a MudBlazor dialog grows into place).</summary>
    public Task AnimationsFinishedAsync() =>
        Page.EvaluateAsync("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))");

    public async Task<string> TextOfAsync(string testId) => (await ById(testId).First.InnerTextAsync()).Trim();

    public async Task<IReadOnlyList<string>> TextsOfAsync(string testId) =>
        (await ById(testId).AllInnerTextsAsync()).Select(t => t.Trim()).ToList();

    /// <summary>Clicks and returns the downloaded file's text.</summary>
    public async Task<(string FileName, string Content)> DownloadAsync(string testId)
    {
        var download = await Page.RunAndWaitForDownloadAsync(() => ClickAsync(testId));
        var path = await download.PathAsync();
        return (download.SuggestedFilename, await File.ReadAllTextAsync(path));
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
