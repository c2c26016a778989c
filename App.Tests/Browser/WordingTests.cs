using System.Text;
using System.Text.RegularExpressions;

namespace NasDash.Tests.Browser;

/// <summary>
/// One name per thing in everything a person reads on every page of <see cref="PageTour"/> (text, labels, tooltips,
/// placeholders, accessible names, the title): "sign in", never "login"; "authenticator code", never "TOTP code",
/// "one-time password" or "Authentication code". URLs and ids (/login, login.totp, data-testid) are not read text.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class WordingTests(Chromium chromium)
{
    private const string ReadText = """
        () => {
            const parts = [document.title, document.body.innerText];
            for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt], label')) {
                for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
                    const v = el.getAttribute(a);
                    if (v) parts.push(v);
                }
            }
            return parts.join('\n');
        }
        """;

    [GeneratedRegex(@"(?<![\w/.-])(log ?ins?|log-in)(?![\w.-])|TOTP codes?|one-time passwords?|Authentication code", RegexOptions.IgnoreCase)]
    private static partial Regex Forbidden();

    public static IEnumerable<string> ForbiddenIn(string text) =>
        text.Split('\n').Where(line => Forbidden().IsMatch(line)).Select(line => line.Trim());

    [Fact]
    public void Forbidden_CatchesTheOldNamesAndSparesUrlsAndIds()
    {
        Assert.Equal(4, ForbiddenIn("Login\nPlease log in\nEnter your TOTP code\nOne-time passwords").Count());
        Assert.Single(ForbiddenIn("Authentication code"));
        Assert.Empty(ForbiddenIn("Sign in\n/login?returnUrl=/\nlogin.totp\nGlobal Two Factor Authentication\nAuthenticator code"));
    }

    [Fact]
    public async Task EveryPage_ReadText_UsesTheOneNameForEachThing()
    {
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        var failures = new StringBuilder();
        await browser.RunAsync("wording", async b =>
        {
            await PageTour.VisitAllAsync(b, server, async page =>
            {
                foreach (var line in ForbiddenIn(await b.Page.EvaluateAsync<string>(ReadText)).Distinct())
                {
                    failures.AppendLine($"{page}: \"{line}\"");
                }
            });
        });

        Assert.True(failures.Length == 0, failures.ToString());
    }
}
