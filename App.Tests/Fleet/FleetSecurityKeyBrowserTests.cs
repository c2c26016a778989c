using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NasDash.Hosting;
using NasDash.Tests.Browser;
using NasDash.Tests.Features.Notifications;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Fleet;

/// <summary>
/// The README's security keys across a fleet, in Chromium as a person meets them: two appliances on one fleet, reached
/// by their own names (https://nas1.example.lan, https://nas2.example.lan, resolved to loopback by the browser), with
/// one relying-party id for the fleet (example.lan) and both origins listed. A key added on nas1 signs in on nas2, and
/// is not offered under a name the fleet does not list. The
/// browser trusts exactly the two appliances' self-signed certificates (by their public keys), as a person who
/// installed them would: WebAuthn refuses pages with a certificate error.
/// </summary>
public sealed class FleetSecurityKeyBrowserTests
{
    [Fact]
    public async Task KeyAddedOnNas1_SignsInOnNas2_NotOfferedUnderAnUnlistedName()
    {
        Chromium.RequireChromium();
        using var cluster = new EtcdCluster();
        using var shared = new TempDirectory();
        int[] ports = [SmtpTestServer.FreePort(), SmtpTestServer.FreePort()];
        string[] origins = [$"https://nas1.example.lan:{ports[0]}", $"https://nas2.example.lan:{ports[1]}"];
        var settings = FleetNoticeTests.FleetSettings(cluster, shared);
        settings["NasDash:WebAuthn:RelyingPartyId"] = "example.lan";
        settings["NasDash:WebAuthn:Origins:0"] = origins[0];
        settings["NasDash:WebAuthn:Origins:1"] = origins[1];
        // One clock for both, so each step-up finds a TOTP step newer than the fleet's last accepted one.
        var clock = new SteppingClock();
        using var nas1 = new AppServer(settings, services: s => s.AddSingleton<TimeProvider>(clock), https: true, port: ports[0]);
        using var nas2 = new AppServer(settings, services: s => s.AddSingleton<TimeProvider>(clock), https: true, port: ports[1]);
        var alice = TestAdministrators.Seed(nas1.Services, "alice");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
                "--host-resolver-rules=MAP nas1.example.lan 127.0.0.1, MAP nas2.example.lan 127.0.0.1, MAP storage.example.lan 127.0.0.1",
                "--ignore-certificate-errors-spki-list=" + string.Join(',', new[] { nas1, nas2 }.Select(PublicKeyPin)),
            ],
        });
        await using var b = await BrowserPage.OpenAsync(browser, origins[0]);
        await b.RunAsync(nameof(KeyAddedOnNas1_SignsInOnNas2_NotOfferedUnderAnUnlistedName), async b =>
        {
            var devtools = await b.Context.NewCDPSessionAsync(b.Page);
            await devtools.SendAsync("WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });
            await devtools.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
            {
                ["options"] = new Dictionary<string, object>
                {
                    ["protocol"] = "ctap2", ["transport"] = "usb", ["hasResidentKey"] = true, ["hasUserVerification"] = true, ["isUserVerified"] = true,
                },
            });

            // nas1: password and TOTP, then a key added on the account page.
            await b.EnterPasswordAsync(alice.UserName, alice.Password);
            await b.InputOf("login-totp").WaitForAsync();
            await b.EnterTotpAsync(await NextCodeAsync(alice, clock));
            await b.WaitForDashboardAsync();
            await b.GotoAsync("/account");
            await b.ClickAsync("key-add");
            await b.FillAsync("key-name", "Fleet key");
            await b.FillAsync("tf-step-up", await NextCodeAsync(alice, clock));
            await b.ClickAsync("tf-step-up-confirm");
            await Assertions.Expect(b.ById("key-row")).ToHaveCountAsync(1);

            // nas2 by a name the fleet does not list: no key is offered, and the page says where to go.
            await b.GotoAsync($"https://storage.example.lan:{ports[1]}/login");
            await b.EnterPasswordAsync(alice.UserName, alice.Password);
            await Assertions.Expect(b.Page.Locator("main")).ToContainTextAsync($"is not among the addresses allowed for security keys. Open {origins[0]}/");
            Assert.Equal(0, await b.ById("login-key").CountAsync());

            // nas2, by its own name: the password, then the key added on nas1.
            await b.GotoAsync(origins[1] + "/login");
            await b.EnterPasswordAsync(alice.UserName, alice.Password);
            await b.ClickAsync("login-key");
            await b.Page.WaitForURLAsync(origins[1] + "/");
        });

        var key = Assert.Single(SeededAccounts.Stored(nas2.Services, "alice").SecurityKeys);
        Assert.Equal("Fleet key", key.Name);
        Assert.NotNull(key.LastUsedAt);
    }

    private static async Task<string> NextCodeAsync(SeededAdmin admin, SteppingClock clock)
    {
        clock.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
        return await admin.NextCodeAsync(clock);
    }

    /// <summary>Chromium's pin of a certificate: base64 of the SHA-256 of its SubjectPublicKeyInfo.</summary>
    private static string PublicKeyPin(AppServer server) =>
        Convert.ToBase64String(SHA256.HashData(server.Get<ApplianceCertificate>().Get().PublicKey.ExportSubjectPublicKeyInfo()));
}
