using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Users;

/// <summary>The "Add an administrator" dialog in Chromium: its fields use the dialog's whole width, as its text does.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CreateAdministratorDialogBrowserTests(Chromium chromium)
{
    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task Dialog_Fields_ReachTheRightEdgeOfItsText(int width, int height)
    {
        using var server = new AppServer();
        var alice = TestAdministrators.Seed(server.Services, "alice");
        await using var browser = await BrowserPage.OpenAsync(chromium, server, width, height);
        await browser.RunAsync($"add-administrator-{width}", async b =>
        {
            await BrowserSignIn.SignInAsync(b, server, alice, "/users");
            await b.ClickAsync("users-create");
            await b.InputOf("users-new-username").WaitForAsync();
            await b.AnimationsFinishedAsync();

            var text = await b.Page.Locator(".mud-dialog-content p, .mud-dialog-content .mud-typography").First.BoundingBoxAsync();
            foreach (var field in new[] { "users-new-username", "users-new-password", "users-new-password-confirm" })
            {
                var box = await b.FieldOf(field).BoundingBoxAsync();
                Assert.True(Math.Abs(box!.X + box.Width - (text!.X + text.Width)) <= 1,
                    $"{field} ends at {box.X + box.Width:0}px, the dialog's text at {text.X + text.Width:0}px ({width}px window).");
            }
        });
    }
}
