using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using NasDash.Features.MyAccount;
using NasDash.Tests.TestSupport;
using OtpNet;

namespace NasDash.Tests.Features.MyAccount;

public sealed class AccountPageTests : NasDashTestContext
{
    public AccountPageTests() => JSInterop.Setup<bool>("nasdash.downloadFromStream", _ => true).SetResult(true);

    [Fact]
    public void Page_Enrolled_ShowsTheSetAndThatARecoveryReplacesIt()
    {
        var alice = Seed("alice");
        SignIn(alice);

        var cut = Render<AccountPage>();

        Assert.Equal("A set of 10 codes, made 2026-01-01 00:00 UTC", Squash(cut.Find("[data-testid=account-codes-left]").TextContent));
        Assert.Equal(BackupCodeFiles.RecoveryRule(2), cut.Find("[data-testid=account-codes-rule]").TextContent.Trim());
        Assert.Contains("replaces the whole set", BackupCodeFiles.RecoveryRule(2), StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=account-codes-low]"));
        Assert.DoesNotContain("codes left", cut.Markup, StringComparison.Ordinal);
    }

    private static string Squash(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task NewCodes_AfterStepUpDownloadAndConfirmation_ReplaceTheOldBatch()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var cut = Render<AccountPage>();

        cut.Find("[data-testid=account-new-codes]").Click();
        await StepUpAsync(cut, alice);
        var codes = cut.FindAll("[data-testid=backup-code]").Select(c => c.TextContent).ToList();
        Assert.Equal(10, codes.Count);
        Assert.True(cut.Find("[data-testid=account-codes-finish]").HasAttribute("disabled"));

        await cut.Find("[data-testid=backup-download-txt]").ClickAsync(new());
        InputOf(cut, "backup-saved").Change(true);
        await cut.Find("[data-testid=account-codes-finish]").ClickAsync(new());

        var stored = Get<IAccountStore>().FindById(alice.Id)!;
        Assert.NotNull(BackupCodes.Match(stored.SecondFactor.BackupCodes!, [BackupCodes.Normalize(codes[0])!, BackupCodes.Normalize(codes[1])!]));
        Assert.Null(BackupCodes.Match(stored.SecondFactor.BackupCodes!, [BackupCodes.Normalize(alice.Codes[0])!, BackupCodes.Normalize(alice.Codes[1])!]));
        Assert.Equal("/account", PostedTicket(cut).ReturnUrl);
    }

    [Fact]
    public async Task NewCodes_NotDownloaded_KeepTheOldBatch()
    {
        var alice = Seed("alice");
        SignIn(alice);
        var cut = Render<AccountPage>();

        cut.Find("[data-testid=account-new-codes]").Click();
        await StepUpAsync(cut, alice);

        Assert.True(InputOf(cut, "backup-saved").HasAttribute("disabled"));
        Assert.True(cut.Find("[data-testid=account-codes-finish]").HasAttribute("disabled"));
        var stored = Get<IAccountStore>().FindById(alice.Id)!;
        Assert.NotNull(BackupCodes.Match(stored.SecondFactor.BackupCodes!, [BackupCodes.Normalize(alice.Codes[0])!, BackupCodes.Normalize(alice.Codes[1])!]));
    }

    [Fact]
    public async Task RenewAuthenticator_VerifiedNewSecret_ReplacesOnlyTheSecret()
    {
        var alice = Seed("alice");
        var before = Get<IAccountStore>().FindById(alice.Id)!;
        SignIn(alice);
        var cut = Render<AccountPage>();

        cut.Find("[data-testid=account-renew-totp]").Click();
        await StepUpAsync(cut, alice);
        var secret = Base32Encoding.ToBytes(cut.Find("[data-testid=totp-secret]").GetAttribute("data-secret")!);
        Assert.True(cut.Find("[data-testid=account-totp-finish]").HasAttribute("disabled"));
        InputOf(cut, "totp-code").Input(new Totp(secret).ComputeTotp(Time.GetUtcNow().UtcDateTime));
        await cut.Find("[data-testid=totp-verify]").ClickAsync(new());
        await cut.Find("[data-testid=account-totp-finish]").ClickAsync(new());

        var after = Get<IAccountStore>().FindById(alice.Id)!;
        Assert.Equal(secret, Get<SecretProtector>().Unprotect(after.SecondFactor.ProtectedTotpSecret!));
        Assert.Equal(before.SecondFactor.BackupCodes!.BatchId, after.SecondFactor.BackupCodes!.BatchId);
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
        Assert.Equal("enrolment.totp-renewed", Assert.Single(Get<IAuditLog>().Query(new AuditQuery(EventPrefix: "enrolment."))).Event);
    }

    [Fact]
    public void Page_PasswordChangeDue_ShowsThePasswordCardFirstAndNoOtherAction()
    {
        var alice = Seed("alice");
        TestAdministrators.Adjust(Services, alice.Id, a => a.RequirePasswordChange());
        SignIn(alice);

        var cut = Render<AccountPage>();

        Assert.Equal("Password", cut.FindAll("h2")[0].TextContent.Trim());
        Assert.Single(cut.FindAll("[data-testid=account-password]"));
        Assert.Single(cut.FindAll("input[data-testid=account-password-current]"));
        foreach (var action in new[] { "account-renew-totp", "account-new-codes", "key-add", "my-address-add", "token-add" })
        {
            Assert.Empty(cut.FindAll($"[data-testid={action}]"));
        }

        Assert.Contains("once your new password is set", cut.Find("[data-testid=account-after-password]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_NoPasswordChangeDue_ShowsEveryActionAndThePasswordCardLast()
    {
        SignIn(Seed("alice"));

        var cut = Render<AccountPage>();

        Assert.Equal("Authenticator app", cut.FindAll("h2")[0].TextContent.Trim());
        Assert.Equal("Password", cut.FindAll("h2")[^1].TextContent.Trim());
        foreach (var action in new[] { "account-renew-totp", "account-new-codes", "key-add", "my-address-add", "token-add" })
        {
            Assert.Single(cut.FindAll($"[data-testid={action}]"));
        }

        Assert.Empty(cut.FindAll("[data-testid=account-after-password]"));
        Assert.Empty(cut.FindAll("[data-testid=account-must-change-password]"));
    }
}
