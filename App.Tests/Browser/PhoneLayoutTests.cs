using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace NasDash.Tests.Browser;

/// <summary>
/// Every page of <see cref="PageTour"/> on a 390×844 phone: the document never scrolls sideways, no element sticks
/// out of its card (a table cut off at the right, a path that does not wrap), and no label is cut off with an ellipsis.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PhoneLayoutTests(Chromium chromium)
{
    // Returns one line per problem, naming the element by tag, handle, classes and text.
    private const string FindOverflow = """
        () => {
            const name = el => {
                const id = el.closest('[data-testid]')?.getAttribute('data-testid');
                const cls = [...el.classList].slice(0, 3).join('.');
                const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50);
                return `<${el.tagName.toLowerCase()}${cls ? '.' + cls : ''}>${id ? ' in [' + id + ']' : ''} "${text}"`;
            };
            const visible = el => {
                const r = el.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) return false;
                const s = getComputedStyle(el);
                return s.visibility !== 'hidden' && s.display !== 'none' && !el.closest('.mud-drawer, .mud-popover, .mud-overlay, .nd-skip-link, [aria-hidden=true]');
            };
            const clipped = (el, card) => {
                for (let a = el.parentElement; a && a !== card; a = a.parentElement) {
                    const o = getComputedStyle(a).overflowX;
                    if (o === 'hidden' || o === 'clip') return true;
                }
                return false;
            };
            const problems = [];
            const doc = document.scrollingElement;
            if (doc.scrollWidth > doc.clientWidth) {
                problems.push(`the page scrolls sideways: ${doc.scrollWidth}px wide in ${doc.clientWidth}px`);
                for (const el of document.body.querySelectorAll('*')) {
                    if (visible(el) && el.getBoundingClientRect().right > doc.clientWidth + 1 && ![...el.children].some(c => visible(c) && c.getBoundingClientRect().right > doc.clientWidth + 1)) {
                        problems.push(`  beyond the screen: ${name(el)} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`);
                    }
                }
            }
            const main = document.querySelector('main') || document.body;
            for (const el of main.querySelectorAll('*')) {
                if (!visible(el)) continue;
                const card = el.parentElement?.closest('.mud-paper, .mud-card, .mud-alert, .mud-table-container, .mud-dialog, main');
                // A grid's gutters reach into the container's padding by design; ripples and bars are clipped by their button or track.
                if (!card || el.matches('.mud-grid, .mud-grid-item, .mud-ripple-effect') || clipped(el, card)) continue;
                const r = el.getBoundingClientRect(), c = card.getBoundingClientRect();
                const widest = !(([...el.children]).some(child => visible(child) && child.getBoundingClientRect().right > c.right + 1));
                if (widest && (r.right > c.right + 1 || r.left < c.left - 1)) {
                    problems.push(`wider than its ${card.tagName.toLowerCase()}.${[...card.classList][0] || ''}: ${name(el)} (${Math.round(r.left)}–${Math.round(r.right)}px in ${Math.round(c.left)}–${Math.round(c.right)}px)`);
                }
                const s = getComputedStyle(el);
                if (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
                    problems.push(`cut off with an ellipsis: ${name(el)}`);
                }
            }
            return problems;
        }
        """;

    [Fact]
    public async Task EveryPage_Phone390_NothingWiderThanItsCardAndNoSidewaysScroll()
    {
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server, width: 390, height: 844);
        var failures = new StringBuilder();
        await browser.RunAsync("phone-390", async b =>
        {
            await PageTour.VisitAllAsync(b, server, async page =>
            {
                var problems = await b.Page.EvaluateAsync<string[]>(FindOverflow);
                if (problems.Length > 0)
                {
                    await b.ScreenshotAsync($"phone-overflow-{page}");
                    failures.AppendLine($"{page}:").AppendJoin(Environment.NewLine, problems.Select(p => "  " + p)).AppendLine();
                }
            });
        });

        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public async Task AlertsExplained_OpenedOnAPhone390_FitsItsCard()
    {
        using var server = new AppServer();
        var alice = NasDash.Tests.TestSupport.TestAdministrators.Seed(server.Services, "alice");
        await using var browser = await BrowserPage.OpenAsync(chromium, server, width: 390, height: 844);
        await browser.RunAsync(nameof(AlertsExplained_OpenedOnAPhone390_FitsItsCard), async b =>
        {
            await NasDash.Tests.TestSupport.BrowserSignIn.SignInAsync(b, server, alice, "/alerts");
            await b.WaitInteractiveAsync();

            await b.Page.GetByText("When alerts appear and go away").ClickAsync();
            await b.Page.GetByText("Console action").WaitForAsync();

            var problems = await b.Page.EvaluateAsync<string[]>(FindOverflow);
            Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems));
        });
    }

    [Fact]
    public async Task TwoFactorSettings_OnAPhone390_ShowTheImpactPreviewBeforeSave()
    {
        using var server = new AppServer();
        var alice = NasDash.Tests.TestSupport.TestAdministrators.Seed(server.Services, "alice");
        await using var browser = await BrowserPage.OpenAsync(chromium, server, width: 390, height: 844);
        await browser.RunAsync(nameof(TwoFactorSettings_OnAPhone390_ShowTheImpactPreviewBeforeSave), async b =>
        {
            await NasDash.Tests.TestSupport.BrowserSignIn.SignInAsync(b, server, alice, "/settings/two-factor");
            await b.WaitInteractiveAsync();

            var preview = await b.ById("tf-preview").BoundingBoxAsync();
            var save = await b.ButtonOf("tf-save").BoundingBoxAsync();

            Assert.True(preview!.Y + preview.Height <= save!.Y, $"The impact preview ends at {preview.Y + preview.Height}px, Save starts at {save.Y}px.");
        });
    }

    [Fact]
    public async Task MyAccount_PasswordChangeDue_OnAPhone390_ThePasswordFormIsOnTheFirstScreenAndSignOutStays()
    {
        using var server = new AppServer();
        var alice = NasDash.Tests.TestSupport.TestAdministrators.Seed(server.Services, "alice");
        NasDash.Tests.TestSupport.TestAdministrators.Adjust(server.Services, alice.Id, a => a.RequirePasswordChange());
        await using var browser = await BrowserPage.OpenAsync(chromium, server, width: 390, height: 844);
        await browser.RunAsync(nameof(MyAccount_PasswordChangeDue_OnAPhone390_ThePasswordFormIsOnTheFirstScreenAndSignOutStays), async b =>
        {
            await NasDash.Tests.TestSupport.BrowserSignIn.SignInAsync(b, server, alice, "/account");
            await b.WaitInteractiveAsync();

            var submit = await b.ButtonOf("account-password-submit").BoundingBoxAsync();
            Assert.True(submit!.Y + submit.Height <= 844, $"Change password ends at {submit.Y + submit.Height}px, below the 844px screen.");
            Assert.Equal("Password", (await b.Page.Locator("main h2").First.InnerTextAsync()).Trim());
            foreach (var action in new[] { "account-renew-totp", "account-new-codes", "key-add", "my-address-add", "token-add" })
            {
                Assert.Equal(0, await b.ById(action).CountAsync());
            }

            // Whoever cannot change it now can still sign out.
            await Assertions.Expect(b.ById("user-menu")).ToBeVisibleAsync();
        });
    }
}
