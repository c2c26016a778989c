using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Sessions;

/// <summary>A session whose password change is due, in a browser: neither a typed address nor a link in the live circuit leaves "My account".</summary>
[Collection(BrowserCollection.Name)]
public sealed class PasswordChangePolicyBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task PasswordChangeDue_DirectNavigationAndCircuitNavigation_StayOnMyAccount()
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        SeededAccounts.CompleteSetup(server.Services);
        TestAdministrators.Adjust(server.Services, alice.Id, a => a.RequirePasswordChange());
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(PasswordChangeDue_DirectNavigationAndCircuitNavigation_StayOnMyAccount), async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice, "/account");

            await b.GotoAsync("/users");
            Assert.Equal("/account", new Uri(b.Page.Url).AbsolutePath);

            await b.WaitInteractiveAsync();
            var entries = await b.Page.EvaluateAsync<int>("() => history.length");
            await b.Page.Locator("a[href='/users']").First.ClickAsync();
            // The circuit pushes /users, and the route's authorization then pushes /account.
            await b.Page.WaitForFunctionAsync($"() => history.length >= {entries + 2}");

            Assert.Equal("/account", new Uri(b.Page.Url).AbsolutePath);
            Assert.Equal(0, await b.ById("users-table").CountAsync());
        });
    }
}
