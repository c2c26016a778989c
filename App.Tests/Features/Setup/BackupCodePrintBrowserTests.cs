using Microsoft.Playwright;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Setup;

/// <summary>
/// What Print puts on paper: Chromium's own print-to-PDF of the page, read back with pdftotext. The sheet says where
/// and whose the codes are and how to use them, holds every code, and none of the wizard or the TOTP secret.
/// A PNG of each PDF's first page lands in bin/…/screenshots for a person to look at.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BackupCodePrintBrowserTests(Chromium chromium)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SetupCodesStep_Printed_SheetHoldsUserHostUrlAndCodesButNoSecret(bool dark)
    {
        var pdftotext = DebianPrograms.Require("pdftotext", "poppler-utils");
        using var server = new AppServer();
        await using var browser = await BrowserPage.OpenAsync(chromium, server, dark: dark);
        var name = $"print-setup-{(dark ? "dark" : "light")}";
        await browser.RunAsync(name, async b =>
        {
            await b.GotoAsync("/setup");
            await SetupDriver.EnterTokenAsync(b, await SetupDriver.ReadTokenAsync(server));
            await SetupDriver.EnterAdministratorAsync(b, "owner", TestPasswords.Default);
            var (secret, _) = await SetupDriver.VerifyAuthenticatorAsync(b);
            await b.ById("backup-code").First.WaitForAsync();
            var codes = await b.TextsOfAsync("backup-code");

            var text = await PrintedTextAsync(b, pdftotext, name);

            Assert.Contains("NasDash backup codes", text, StringComparison.Ordinal);
            Assert.Contains("owner", text, StringComparison.Ordinal);
            Assert.Contains("nas-test", text, StringComparison.Ordinal);
            Assert.Contains(server.BaseUrl + "/", text, StringComparison.Ordinal);
            Assert.Contains("\"Use backup codes\"", text, StringComparison.Ordinal);
            // The sheet wraps lines where the paper ends: compare with the whitespace folded.
            var flat = System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
            Assert.Contains(BackupCodeFiles.RecoveryRule(2), flat, StringComparison.Ordinal);
            Assert.Contains("also replaces every code on this sheet", flat, StringComparison.Ordinal);
            Assert.DoesNotContain("works once", flat, StringComparison.OrdinalIgnoreCase);
            Assert.All(codes, code => Assert.Contains(code, text, StringComparison.Ordinal));
            AssertNoSecret(text, secret);
            Assert.DoesNotContain("I have stored", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Download", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Administrator", text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task EnrolPage_PrintedWithTheQrCodeOnThePage_SheetHasCodesButNoSecret()
    {
        var pdftotext = DebianPrograms.Require("pdftotext", "poppler-utils");
        using var server = new AppServer();
        var dave = SeededAccounts.Create(server.Services, "dave");
        await using var browser = await BrowserPage.OpenAsync(chromium, server);
        await browser.RunAsync(nameof(EnrolPage_PrintedWithTheQrCodeOnThePage_SheetHasCodesButNoSecret), async b =>
        {
            await b.ReachBackupCodesAsync(dave);
            await b.SubmitBackupCodesAsync(dave.Codes[0], dave.Codes[1]);
            await b.WaitForUrlAsync("/enrol$");
            await b.WaitInteractiveAsync();
            var secret = await b.ById("totp-secret").GetAttributeAsync("data-secret") ?? "";
            await b.FillAsync("totp-code", new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp());
            await b.ClickAsync("totp-verify");
            await b.ById("backup-code").First.WaitForAsync();
            var codes = await b.TextsOfAsync("backup-code");

            var text = await PrintedTextAsync(b, pdftotext, "print-enrol");

            Assert.Contains("dave", text, StringComparison.Ordinal);
            Assert.All(codes, code => Assert.Contains(code, text, StringComparison.Ordinal));
            AssertNoSecret(text, secret);
            Assert.DoesNotContain("Authenticator app", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Sign out", text, StringComparison.Ordinal);
        });
    }

    private static async Task<string> PrintedTextAsync(BrowserPage b, string pdftotext, string name)
    {
        Directory.CreateDirectory(Chromium.ScreenshotDirectory);
        var pdf = Path.Combine(Chromium.ScreenshotDirectory, name + ".pdf");
        await b.Page.PdfAsync(new PagePdfOptions { Path = pdf, Format = "A4" });
        var pdftoppm = Path.Combine(Path.GetDirectoryName(pdftotext)!, "pdftoppm");
        if (File.Exists(pdftoppm))
        {
            await DebianPrograms.RunAsync(pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, Path.Combine(Chromium.ScreenshotDirectory, name));
        }

        var text = await DebianPrograms.RunAsync(pdftotext, "-layout", pdf, "-");
        Assert.DoesNotContain("\f\f", text.TrimEnd('\f', '\n'), StringComparison.Ordinal);
        return text;
    }

    private static void AssertNoSecret(string text, string secretBase32)
    {
        var squeezed = new string(text.Where(char.IsAsciiLetterOrDigit).ToArray());
        Assert.DoesNotContain(secretBase32[..12], squeezed, StringComparison.Ordinal);
        Assert.DoesNotContain(secretBase32[..4] + " " + secretBase32[4..8], text, StringComparison.Ordinal);
    }
}
