using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// Three NasDash servers on one fleet (<see cref="ThreeServers"/>) in headless Chromium, as people use three appliances:
/// a code typed on one is spent on all, and a reset on one ends the account's open page on another.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FleetServerBrowserTests(Chromium chromium, ThreeServers fleet) : IClassFixture<ThreeServers>
{
    [Fact]
    public async Task TotpCodeThatSignedInOnServer1_IsRefusedAsAlreadyUsedOnServer2InTheSameStep()
    {
        var alice = SeededAccounts.Create(fleet[1].Services, "tina");
        await using var onServer1 = await BrowserPage.OpenAsync(chromium, fleet[1]);
        await using var onServer2 = await BrowserPage.OpenAsync(chromium, fleet[2]);
        await onServer1.RunAsync(nameof(TotpCodeThatSignedInOnServer1_IsRefusedAsAlreadyUsedOnServer2InTheSameStep), async b =>
        {
            await b.GotoAsync("/login");
            await b.ReachTotpAsync(alice);
            await onServer2.GotoAsync("/login");
            await onServer2.ReachTotpAsync(alice);
            var code = alice.TotpAt(DateTimeOffset.UtcNow);

            await b.EnterTotpAsync(code);
            await b.WaitForDashboardAsync();
            await onServer2.EnterTotpAsync(code);

            Assert.Contains("already used", await onServer2.ErrorAsync(), StringComparison.Ordinal);
            Assert.EndsWith("/login", new Uri(onServer2.Page.Url).AbsolutePath, StringComparison.Ordinal);
        });

        var totp = fleet[3].Get<IAuditLog>().Query(new AuditQuery(UserName: "tina", EventPrefix: "login.totp"));
        Assert.Single(totp, e => e.Outcome == "succeeded");
        Assert.Single(totp, e => e.Outcome == "replayed");
        // The replay counts as one failed attempt, once, as it would on one appliance.
        Assert.Equal(1, SeededAccounts.Stored(fleet[2].Services, "tina").TotpFailures);
    }

    [Fact]
    public async Task SecondFactorResetByAnotherAdministratorOnServer2_EndsTheOpenPageOnServer1WithinTheRecheckInterval()
    {
        var alice = TestAdministrators.Seed(fleet[1].Services, "rita");
        var owner = TestAdministrators.Seed(fleet[2].Services, "rita-owner");
        var rechecks = new System.Collections.Concurrent.ConcurrentQueue<SessionRecheck>();
        void OnRecheck(SessionRecheck recheck)
        {
            if (recheck.AccountId == alice.Id)
            {
                rechecks.Enqueue(recheck);
            }
        }

        fleet[1].Get<SessionRechecks>().Made += OnRecheck;
        try
        {
            await using var aliceTab = await BrowserPage.OpenAsync(chromium, fleet[1]);
            await using var ownerTab = await BrowserPage.OpenAsync(chromium, fleet[2]);
            await aliceTab.RunAsync(nameof(SecondFactorResetByAnotherAdministratorOnServer2_EndsTheOpenPageOnServer1WithinTheRecheckInterval), async a =>
            {
                await BrowserSignIn.SignInAsync(a, fleet[1], alice);
                await a.WaitInteractiveAsync();
                await ownerTab.RunAsync(nameof(SecondFactorResetByAnotherAdministratorOnServer2_EndsTheOpenPageOnServer1WithinTheRecheckInterval) + "-owner", async o =>
                {
                    await BrowserSignIn.SignInAsync(o, fleet[2], owner, "/users");
                    var row = o.Page.Locator("tr").Filter(new LocatorFilterOptions { Has = o.Page.GetByText("rita", new PageGetByTextOptions { Exact = true }) });
                    await row.Locator("[data-testid=user-actions] button").First.ClickAsync();
                    await o.ById("user-reset-2fa").ClickAsync();
                    await o.FillAsync("tf-step-up", await owner.NextCodeAsync(TimeProvider.System));
                    await o.ClickAsync("tf-step-up-confirm");
                    await o.ById("users-enrolment-code").WaitForAsync();
                });

                // The reset is committed (the enrolment code is on server 2's page). Server 1 ends the page when its watch
                // brings the change, or at the latest at the page's next periodic re-check: none from now on keeps it.
                var committed = DateTimeOffset.UtcNow;
                await a.WaitForUrlAsync("/login");

                Assert.All(rechecks.Where(r => r.At >= committed), r => Assert.False(r.Kept, $"A re-check at {r.At:O}, after the reset, kept the page."));
            });
        }
        finally
        {
            fleet[1].Get<SessionRechecks>().Made -= OnRecheck;
        }

        var stored = SeededAccounts.Stored(fleet[3].Services, "rita");
        Assert.True(stored.MustEnrol);
    }
}
