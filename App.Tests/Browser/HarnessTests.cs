namespace NasDash.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class HarnessTests(Chromium chromium)
{
    [Fact]
    public async Task Healthz_RunningServer_Returns200()
    {
        using var server = new AppServer();
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri(server.BaseUrl + "/healthz"), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnknownPage_InChromium_ShowsNotFoundOnceInteractive()
    {
        using var server = new AppServer();
        // Before setup every page leads to the wizard.
        await SetupDriver.CompleteSetupThroughServicesAsync(server);
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(UnknownPage_InChromium_ShowsNotFoundOnceInteractive), async b =>
        {
            await b.GotoAsync("/not-found");
            Assert.Contains("Page not found", await b.Page.InnerTextAsync("body"));
        });
    }
}
