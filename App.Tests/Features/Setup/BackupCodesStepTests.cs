using Bunit;
using Microsoft.JSInterop;
using MudBlazor;
using NasDash.Features.Enrolment;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Setup;

/// <summary>The backup-code step's extras and failure paths: copy, print, and a download the browser refuses.</summary>
public sealed class BackupCodesStepTests : NasDashTestContext
{
    private readonly PendingEnrolment _enrolment;

    public BackupCodesStepTests()
    {
        _enrolment = Get<EnrolmentService>().StartBackupCodesRenewal("alice");
    }

    private ISnackbar Snackbar => Get<ISnackbar>();

    private IRenderedComponent<BackupCodesStep> Render() =>
        Render<BackupCodesStep>(p => p.Add(x => x.Enrolment, _enrolment));

    [Fact]
    public void Step_Codes_SaysARecoveryReplacesTheWholeSetOnScreenAndOnTheSheet()
    {
        var cut = Render();

        var rule = BackupCodeFiles.RecoveryRule(_enrolment.RequiredAtRecovery);
        Assert.Contains(rule, cut.Find("[data-testid=backup-codes-rule]").TextContent, StringComparison.Ordinal);
        Assert.Contains(rule, cut.Find("[data-testid=backup-print-sheet]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("works once", cut.Markup, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("codes left", cut.Markup, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Copy_BrowserAllows_CopiesEveryCodeOnePerLineAndStillAsksForTheDownload()
    {
        var copy = JSInterop.Setup<bool>("nasdash.copyText", _ => true);
        copy.SetResult(true);
        var cut = Render();

        cut.Find("[data-testid=backup-copy]").Click();

        var copied = Assert.Single(copy.Invocations).Arguments[0] as string;
        Assert.Equal(string.Join('\n', _enrolment.Codes), copied);
        Assert.Equal(10, copied!.Split('\n').Length);
        var shown = Assert.Single(Snackbar.ShownSnackbars);
        Assert.Equal(Severity.Info, shown.Severity);
        Assert.Contains("Still download them", shown.Message, StringComparison.Ordinal);
        Assert.False(_enrolment.Downloaded);
        Assert.True(InputOf(cut, "backup-saved").HasAttribute("disabled"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Copy_BrowserRefuses_WarnsToSelectByHand(bool throws)
    {
        var copy = JSInterop.Setup<bool>("nasdash.copyText", _ => true);
        if (throws)
        {
            copy.SetException(new JSException("NotAllowedError: Write permission denied."));
        }
        else
        {
            copy.SetResult(false);
        }

        var cut = Render();
        cut.Find("[data-testid=backup-copy]").Click();

        var shown = Assert.Single(Snackbar.ShownSnackbars);
        Assert.Equal(Severity.Warning, shown.Severity);
        Assert.Contains("select the codes by hand", shown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Print_OpensTheBrowsersPrintDialog()
    {
        var cut = Render();

        cut.Find("[data-testid=backup-print]").Click();

        Assert.Single(JSInterop.Invocations, i => i.Identifier == "nasdash.print");
    }

    [Fact]
    public void Download_BrowserRefuses_NotCountedAsDownloadedAndSaysSo()
    {
        JSInterop.Setup<bool>("nasdash.downloadFromStream", _ => true).SetException(new JSException("blocked"));
        var cut = Render();

        cut.Find("[data-testid=backup-download-txt]").Click();

        Assert.False(_enrolment.Downloaded);
        Assert.Empty(cut.FindAll("[data-testid=backup-downloaded]"));
        Assert.True(InputOf(cut, "backup-saved").HasAttribute("disabled"));
        Assert.Equal(Severity.Error, Assert.Single(Snackbar.ShownSnackbars).Severity);
    }

    [Theory]
    [InlineData("backup-download-txt")]
    [InlineData("backup-download-json")]
    public void Download_EitherFormat_EnablesTheConfirmation(string button)
    {
        JSInterop.Setup<bool>("nasdash.downloadFromStream", _ => true).SetResult(true);
        var cut = Render();

        cut.Find($"[data-testid={button}]").Click();

        Assert.True(_enrolment.Downloaded);
        cut.Find("[data-testid=backup-downloaded]");
        Assert.False(InputOf(cut, "backup-saved").HasAttribute("disabled"));
    }
}
