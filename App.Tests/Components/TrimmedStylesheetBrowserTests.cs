using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Components;

/// <summary>
/// The pages before sign-in link css/mudblazor-signin.min.css, MudBlazor's stylesheet without the components they
/// never render (tools/trim-mudblazor-css.py). At every step of setup, sign-in and enrolment, in both themes, each
/// element's computed style under it must equal its computed style under the whole stylesheet: a rule trimmed wrongly
/// shows up here as the element and property it changed.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TrimmedStylesheetBrowserTests(Chromium chromium)
{
    // Measures every element, swaps in the whole stylesheet, measures again, and puts the trimmed one back.
    private const string CompareScript = """
        async () => {
            // A ripple is a span that comes and goes with a click's animation: not part of the page's styling.
            const snapshot = () => [...document.querySelectorAll("body *")].filter(e => !e.classList.contains("mud-ripple-effect")).map(e => {
                // Margins as boxes: Chromium reads an auto margin as 0 now and then; where the element is tells the same.
                const style = getComputedStyle(e), box = e.getBoundingClientRect(), values = {};
                for (const name of style) if (!name.startsWith("margin")) values[name] = style.getPropertyValue(name);
                values.box = [box.x, box.y, box.width, box.height].map(Math.round).join(",");
                return { name: e.tagName.toLowerCase() + [...e.classList].map(c => "." + c).join(""), values };
            });
            const swap = (from, href) => new Promise((resolve, reject) => {
                const link = document.createElement("link");
                link.rel = "stylesheet";
                link.href = href;
                link.onload = () => { from.remove(); resolve(link); };
                link.onerror = () => reject(new Error("could not load " + href));
                from.after(link);
            });
            // Two frames: the page is laid out under the stylesheet it has now (auto margins read 0 before layout).
            const settled = () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
            const trimmed = document.querySelector("link[data-nd-signin-styles]");
            if (!trimmed) return ["the page does not link the trimmed stylesheet"];
            const href = trimmed.getAttribute("href");
            await settled();
            const before = snapshot();
            const whole = await swap(trimmed, "_content/MudBlazor/MudBlazor.min.css");
            await settled();
            const after = snapshot();
            const back = await swap(whole, href);
            back.setAttribute("data-nd-signin-styles", "");
            const differences = [];
            if (before.length !== after.length) differences.push(`${before.length} elements under the trimmed stylesheet, ${after.length} under the whole one`);
            before.forEach((element, i) => {
                if (!after[i] || after[i].name !== element.name) return;
                for (const [name, value] of Object.entries(element.values)) {
                    if (after[i].values[name] !== value) {
                        differences.push(`${element.name} ${name}: ${after[i].values[name]} under the whole stylesheet, ${value} under the trimmed one`);
                    }
                }
            });
            return [...new Set(differences)].slice(0, 40);
        }
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryStepBeforeSignIn_ComputesTheSameStylesAsUnderTheWholeStylesheet(bool dark)
    {
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server, dark: dark);
        var differences = new List<string>();
        await browser.RunAsync($"{nameof(TrimmedStylesheetBrowserTests)}-{(dark ? "dark" : "light")}", async b =>
        {
            async Task Compare(string step)
            {
                // Ripples and focus transitions settle first: both measurements see the same moment of the page.
                await b.Page.WaitForTimeoutAsync(500);
                differences.AddRange((await b.Page.EvaluateAsync<string[]>(CompareScript)).Select(d => $"{step}: {d}"));
            }

            await SetupDriver.CompleteSetupAsync(b, server, onStep: Compare);
            await Compare("login");

            var alice = SeededAccounts.Create(server.Services, "alice");
            var dave = SeededAccounts.Create(server.Services, "dave");
            await b.EnterPasswordAsync("alice", "wrong password");
            await b.ErrorAsync();
            await Compare("login, wrong password");
            await b.ReachTotpAsync(alice);
            await Compare("login, authenticator code");
            await b.EnterTotpAsync(LoginSteps.WrongCode(alice));
            await b.ErrorAsync();
            await Compare("login, wrong authenticator code");
            await b.ClickAsync("use-backup-codes");
            await b.InputOf("backup-input-1").WaitForAsync();
            await Compare("login, backup codes");
            await b.SubmitBackupCodesAsync("AAAA-BBBB-CCCC-DDDD", "eeee ffff gggg hhhh");
            await b.Handle("lockout-dialog").WaitForAsync();
            await Compare("login, codes refused");

            await b.GotoAsync("/login");
            await b.ReachBackupCodesAsync(dave);
            await b.SubmitBackupCodesAsync(dave.Codes[0], dave.Codes[1]);
            await b.WaitForUrlAsync("/enrol$");
            await b.WaitInteractiveAsync();
            await Compare("enrolment");
        });

        Assert.True(differences.Count == 0, string.Join('\n', differences));
    }
}
