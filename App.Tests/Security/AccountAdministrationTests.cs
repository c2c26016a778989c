using NasDash.Tests.TestSupport;
using NasDash.Tests.Features.Console;

namespace NasDash.Tests.Security;

public sealed class AccountAdministrationTests : IDisposable
{
    private readonly AdministrationFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Unlock_SuperLockedAccount_ResetsSecondFactorAndRequiresEnrolment()
    {
        var before = _f.Add(TestAccounts.SuperLocked("alice", _f.Time.GetUtcNow()));
        _f.Time.Advance(TimeSpan.FromMinutes(5));

        var result = await _f.Administration.UnlockAsync("Alice", "root", TestContext.Current.CancellationToken);

        Assert.IsType<AdministrationResult.Done>(result);
        var after = _f.Reload("alice");
        Assert.Equal(AccountState.Normal, after.State);
        Assert.Equal(_f.Time.GetUtcNow(), after.StateSince);
        Assert.Null(after.SecondFactor.ProtectedTotpSecret);
        Assert.Null(after.SecondFactor.BackupCodes);
        Assert.True(after.MustEnrol);
        Assert.Equal((0, 0, 0), (after.PasswordFailures, after.TotpFailures, after.BackupFailures));
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
        Assert.Equal(PasswordCheck.Succeeded, TestAccounts.Hashing.Verify(after, TestPasswords.Default));
    }

    [Fact]
    public async Task Unlock_SuperLockedAccount_EndsItsSessions()
    {
        var alice = _f.Add(TestAccounts.SuperLocked("alice", _f.Time.GetUtcNow()));
        var ended = new List<Guid>();
        _f.Events.SessionsEnded += ended.Add;

        await _f.Administration.UnlockAsync("alice", "root", TestContext.Current.CancellationToken);

        Assert.Equal([alice.Id], ended);
    }

    [Fact]
    public async Task Unlock_SuperLockedAccount_ClearsLockoutAlertsAndRaisesConsoleAlert()
    {
        _f.Add(TestAccounts.SuperLocked("alice", _f.Time.GetUtcNow()));
        _f.Store.Raise("superlocked:alice", AlertSeverity.Critical, "alice is super-locked", "/users");
        _f.Store.Raise("recovery:alice", AlertSeverity.Warning, "recovery in progress", "/audit");
        _f.Store.Raise("superlocked:bob", AlertSeverity.Critical, "bob is super-locked", "/users");

        await _f.Administration.UnlockAsync("alice", "root", TestContext.Current.CancellationToken);

        var open = _f.Store.Open();
        Assert.DoesNotContain(open, a => a.Key is "superlocked:alice" or "recovery:alice");
        Assert.Contains(open, a => a.Key == "superlocked:bob");
        var console = Assert.Single(open, a => a.Key == "console-unlock:alice");
        Assert.Equal(AlertSeverity.Info, console.Severity);
        Assert.Contains("root", console.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlock_SuperLockedAccount_AuditsWhoWhatWhenAsConsoleAction()
    {
        _f.Add(TestAccounts.SuperLocked("alice", _f.Time.GetUtcNow()));

        await _f.Administration.UnlockAsync("alice", "root (uid 0)", TestContext.Current.CancellationToken);

        var entry = Assert.Single(_f.Store.Query(new AuditQuery(EventPrefix: "console.")));
        Assert.Equal(("alice", "console.unlock", "succeeded", AccountAdministration.ConsoleClient), (entry.UserName, entry.Event, entry.Outcome, entry.ClientAddress));
        Assert.Equal(_f.Time.GetUtcNow(), entry.At);
        Assert.Contains("by root (uid 0)", entry.Detail, StringComparison.Ordinal);
        Assert.Contains("was SuperLocked", entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlock_ApplianceWideLockByAnotherUser_LiftsApplianceLockOnly()
    {
        _f.Add(TestAccounts.SuperLocked("bob", _f.Time.GetUtcNow()));
        _f.Add(TestAccounts.Enrolled("alice", _f.Time.GetUtcNow()));
        var settings = _f.Store.Get();
        settings.ApplianceLockedBy = "bob";
        _f.Store.Save(settings);

        var result = await _f.Administration.UnlockAsync("alice", "root", TestContext.Current.CancellationToken);

        Assert.IsType<AdministrationResult.Done>(result);
        Assert.Contains("bob stays locked", result.Message, StringComparison.Ordinal);
        Assert.Null(_f.Store.Get().ApplianceLockedBy);
        Assert.Equal(AccountState.SuperLocked, _f.Reload("bob").State);
    }

    [Fact]
    public async Task Unlock_ThrottledAccount_LiftsThrottle()
    {
        var alice = TestAccounts.Enrolled("alice", _f.Time.GetUtcNow());
        alice.FailPasswords(7, _f.Time.GetUtcNow());
        _f.Add(alice);

        await _f.Administration.UnlockAsync("alice", "root", TestContext.Current.CancellationToken);

        var after = _f.Reload("alice");
        Assert.Equal(LockoutStatus.Normal, after.LockoutStatusAt(_f.Time.GetUtcNow()));
        Assert.Null(after.LockedUntil);
        Assert.Equal(0, after.PasswordFailures);
    }

    [Fact]
    public async Task Unlock_UnknownUser_ReturnsUnknownUserAndWritesNothing()
    {
        _f.Add(TestAccounts.Enrolled("alice", _f.Time.GetUtcNow()));

        var result = await _f.Administration.UnlockAsync("mallory", "root", TestContext.Current.CancellationToken);

        Assert.Equal(new AdministrationResult.UnknownUser("mallory"), result);
        Assert.Equal(0, _f.Store.Count(new AuditQuery(EventPrefix: "console.")));
    }

    [Fact]
    public async Task Unlock_AccountAlreadyWaitingForEnrolment_IssuesANewCodeThatReplacesTheOld()
    {
        _f.Add(TestAccounts.SuperLocked("alice", _f.Time.GetUtcNow()));
        var first = EnrolmentCodeOf(await _f.Administration.UnlockAsync("alice", "root", TestContext.Current.CancellationToken));

        var second = EnrolmentCodeOf(await _f.Administration.UnlockAsync("alice", "root", TestContext.Current.CancellationToken));

        var alice = _f.Reload("alice");
        Assert.NotEqual(first, second);
        Assert.False(alice.EnrolmentCode.Matches(BackupCodes.Normalize(first)!));
        Assert.True(alice.EnrolmentCode.Matches(BackupCodes.Normalize(second)!));
        Assert.Equal(_f.Time.GetUtcNow() + EnrolmentCodePolicy.DefaultLifetime, alice.EnrolmentCode.ExpiresAt);
        Assert.Equal(2, _f.Store.Count(new AuditQuery(EventPrefix: "console.unlock")));
    }

    [Fact]
    public async Task Unlock_ConcurrentCalls_AreSerialisedAndOnlyTheLastCodeWorks()
    {
        _f.Add(TestAccounts.SuperLocked("alice", _f.Time.GetUtcNow()));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _f.Administration.UnlockAsync("alice", "root", TestContext.Current.CancellationToken))));

        var alice = _f.Reload("alice");
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Single(results, r => alice.EnrolmentCode.Matches(BackupCodes.Normalize(EnrolmentCodeOf(r))!));
        Assert.Equal(8, _f.Store.Count(new AuditQuery(EventPrefix: "console.unlock")));
    }

    [Fact]
    public async Task Unlock_Enrolled_RevokesTheDeviceCookiesAndPrintsTheCodeOnALineOfItsOwn()
    {
        var generation = _f.Add(TestAccounts.Enrolled("alice", _f.Time.GetUtcNow())).DeviceGeneration;

        var result = await _f.Administration.UnlockAsync("alice", "root", TestContext.Current.CancellationToken);

        Assert.Matches(@"\nEnrolment code for alice: [0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4} \(valid until 2026-03-02 12:00 UTC\)$", result.Message);
        Assert.Equal(generation + 1, _f.Reload("alice").DeviceGeneration);
    }

    private static string EnrolmentCodeOf(AdministrationResult result) =>
        System.Text.RegularExpressions.Regex.Match(result.Message, @"Enrolment code for \S+: (\S+) ").Groups[1].Value;

    [Fact]
    public async Task ResetPassword_ValidPassword_ReplacesHashEndsSessionsKeepsSecondFactor()
    {
        var alice = TestAccounts.Enrolled("alice", _f.Time.GetUtcNow());
        alice.FailPasswords(6, _f.Time.GetUtcNow()).FailTotp(3, _f.Time.GetUtcNow());
        _f.Add(alice);
        var ended = new List<Guid>();
        _f.Events.SessionsEnded += ended.Add;

        var result = await _f.Administration.ResetPasswordAsync("alice", "a new long passphrase", "root", TestContext.Current.CancellationToken);

        Assert.IsType<AdministrationResult.Done>(result);
        var after = _f.Reload("alice");
        var hashing = new PasswordHashing(1_000);
        Assert.Equal(PasswordCheck.Succeeded, hashing.Verify(after, "a new long passphrase"));
        Assert.Equal(PasswordCheck.Failed, hashing.Verify(after, TestPasswords.Default));
        Assert.NotEqual(alice.SecurityStamp, after.SecurityStamp);
        Assert.Equal((0, (DateTimeOffset?)null), (after.PasswordFailures, after.LockedUntil));
        Assert.Equal(3, after.TotpFailures);
        Assert.True(after.SecondFactor.IsEnrolled);
        Assert.Equal([alice.Id], ended);
        var entry = Assert.Single(_f.Store.Query(new AuditQuery(EventPrefix: "console.")));
        Assert.Equal("console.reset-password", entry.Event);
        Assert.DoesNotContain("a new long passphrase", entry.Detail ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("password1234")]
    [InlineData("alice-is-my-name")]
    public async Task ResetPassword_PasswordBreaksPolicy_RejectedAndUnchanged(string password)
    {
        var alice = _f.Add(TestAccounts.Enrolled("alice", _f.Time.GetUtcNow()));

        var result = await _f.Administration.ResetPasswordAsync("alice", password, "root", TestContext.Current.CancellationToken);

        Assert.IsType<AdministrationResult.Rejected>(result);
        Assert.Equal(alice.PasswordHash, _f.Reload("alice").PasswordHash);
        Assert.Equal(alice.SecurityStamp, _f.Reload("alice").SecurityStamp);
    }

    [Fact]
    public async Task ResetPassword_SuperLockedAccount_SaysItStaysLocked()
    {
        _f.Add(TestAccounts.SuperLocked("alice", _f.Time.GetUtcNow()));

        var result = await _f.Administration.ResetPasswordAsync("alice", "a new long passphrase", "root", TestContext.Current.CancellationToken);

        Assert.Contains("still SuperLocked", result.Message, StringComparison.Ordinal);
        Assert.Equal(AccountState.SuperLocked, _f.Reload("alice").State);
    }

    [Fact]
    public void Status_Accounts_ShowStateCountersEnrolmentAndTheSizeOfTheSet()
    {
        var now = _f.Time.GetUtcNow();
        var alice = TestAccounts.Enrolled("alice", now);
        _f.Add(alice);
        _f.Add(TestAccounts.SuperLocked("bob", now.AddMinutes(-3)));
        var settings = _f.Store.Get();
        settings.Ssh = new SshState { LoginDisabled = true, DisabledAt = now, DisabledReason = "bob super-locked" };
        _f.Store.Save(settings);

        var status = _f.Administration.Status();

        Assert.Equal(["alice", "bob"], status.Accounts.Select(a => a.UserName));
        var a = status.Accounts[0];
        Assert.Equal((LockoutStatus.Normal, true, alice.SecondFactor.BackupCodes!.Total), (a.State, a.TwoFactorEnrolled, a.BackupCodesInSet));
        Assert.Equal(2, status.RequiredCodesAtRecovery);
        var b = status.Accounts[1];
        Assert.Equal((LockoutStatus.SuperLocked, now.AddMinutes(-3), 10, 2), (b.State, b.StateSince, b.BackupFailures, b.TotpFailures));
        Assert.Equal(new SshLoginStatus(true, now, "bob super-locked", false), status.Ssh);
    }

    [Fact]
    public void EnableSsh_NoSshControlAndLoginDisabled_ClearsRecordedStateAndAlert()
    {
        var settings = _f.Store.Get();
        settings.Ssh = new SshState { LoginDisabled = true, DisabledAt = _f.Time.GetUtcNow(), DisabledReason = "lockout" };
        _f.Store.Save(settings);
        _f.Store.Raise("ssh-disabled", AlertSeverity.Critical, "SSH login disabled", "/services/ssh");

        var result = _f.Administration.EnableSsh("root");

        Assert.IsType<AdministrationResult.Done>(result);
        Assert.Contains("sshd itself was not changed", result.Message, StringComparison.Ordinal);
        Assert.False(_f.Store.Get().Ssh.LoginDisabled);
        Assert.DoesNotContain(_f.Store.Open(), a => a.Key == "ssh-disabled");
        Assert.Equal("console.ssh-enable", Assert.Single(_f.Store.Query(new AuditQuery(EventPrefix: "console."))).Event);
    }

    [Fact]
    public void EnableSsh_NoSshControlAndLoginEnabled_ReturnsNothingToDo() =>
        Assert.IsType<AdministrationResult.NothingToDo>(_f.Administration.EnableSsh("root"));

    [Fact]
    public void EnableSsh_SshControlRegistered_DelegatesWithActor()
    {
        var ssh = new RecordingSshControl(new SshChangeResult(false, "sshd is not running"));
        using var f = new AdministrationFixture(ssh);

        var result = f.Administration.EnableSsh("root");

        Assert.Equal(new AdministrationResult.Rejected("sshd is not running"), result);
        Assert.Equal([("root", AccountAdministration.ConsoleClient)], ssh.Calls);
    }

    private sealed class RecordingSshControl(SshChangeResult answer) : ISshControl
    {
        public List<(string Actor, string? Client)> Calls { get; } = [];

        public SshChangeResult EnableLoginFromConsole(string actor, string client)
        {
            Calls.Add((actor, client));
            return answer;
        }
    }
}
