using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// The SSH door of the one ledger (<see cref="SshCodeCheck"/>, what pam_nasdash.so asks): the web's TOTP decision,
/// counter, replay memory and lockout event, on a real store, interleaved with real web sign-ins.
/// </summary>
public sealed class SshCodeCheckTests : IDisposable
{
    private const string SshClient = "198.51.100.22";

    // T = 3 wrong codes in a row move the account to Recovery; N = 3 failed submissions super-lock it.
    private readonly CoreHarness _h = new(new TwoFactorSettings { TotpFailuresBeforeRecovery = 3, MaxFailedBackupSubmissions = 3, RequiredCodesAtRecovery = 2, CodesPerUser = 5 });

    private Task<SshCodeResult> Check(string userName, string? code) =>
        _h.Get<SshCodeCheck>().CheckAsync(userName, code, SshClient, TestContext.Current.CancellationToken);

    [Fact]
    public async Task WrongCodes_SshAndWebInterleaved_CountTogetherTowardT_TthMovesToRecoveryOnce()
    {
        var alice = _h.CreateEnrolledAccount("alice");
        _h.NextCode(alice);

        var ssh1 = await Check("alice", _h.WrongCode(alice));
        var web = await _h.SignIn.SubmitTotpAsync(await _h.ChallengeAsync(alice), _h.WrongCode(alice), "192.0.2.1", TestContext.Current.CancellationToken);
        var ssh3 = await Check("alice", _h.WrongCode(alice));

        Assert.Equal("Wrong code. 2 more wrong codes (by SSH or on the web) move the account to recovery.", Assert.IsType<SshCodeResult.Refused>(ssh1).Message);
        Assert.Equal(new SecondFactorResult.InvalidTotp(1, false), web);
        Assert.Contains("3 wrong codes in a row moved alice's account to recovery", Assert.IsType<SshCodeResult.Refused>(ssh3).Message, StringComparison.Ordinal);
        Assert.Equal(AccountState.Recovery, _h.Stored(alice).State);
        var lockout = Assert.Single(_h.Lockouts.Events);
        Assert.Equal((LockoutEventKind.MovedToRecovery, SshClient), (lockout.Kind, lockout.ClientAddress));
        // The web now asks for backup codes.
        var password = Assert.IsType<PasswordStepResult.SecondFactorRequired>(await _h.SignIn.SubmitPasswordAsync("alice", alice.Password, "192.0.2.1", TestContext.Current.CancellationToken));
        Assert.Equal(SecondFactorMethod.BackupCodes, password.Method);
        var audit = _h.AuditOf("alice", AuditNames.LoginTotp.Id);
        Assert.Equal(["failed", "failed", "failed"], audit.Select(a => a.Outcome).Order());
        Assert.Equal(2, audit.Count(a => a.ClientAddress == SshClient && a.Detail!.StartsWith("SSH;", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CorrectSshCode_ClearsTheCountTheWebStarted()
    {
        var alice = _h.CreateEnrolledAccount("alice");
        _h.NextCode(alice);
        await _h.SignIn.SubmitTotpAsync(await _h.ChallengeAsync(alice), _h.WrongCode(alice), "192.0.2.1", TestContext.Current.CancellationToken);
        await _h.SignIn.SubmitTotpAsync(await _h.ChallengeAsync(alice), _h.WrongCode(alice), "192.0.2.1", TestContext.Current.CancellationToken);

        var accepted = await Check("alice", _h.CodeAt(alice, 0));

        Assert.IsType<SshCodeResult.Accepted>(accepted);
        Assert.Equal((AccountState.Normal, 0), (_h.Stored(alice).State, _h.Stored(alice).TotpFailures));
        Assert.Equal(("succeeded", SshClient, "SSH"), _h.AuditOf("alice", AuditNames.LoginTotp.Id).Where(a => a.Outcome == "succeeded").Select(a => (a.Outcome, a.ClientAddress, a.Detail)).Single());
    }

    [Fact]
    public async Task CodeAcceptedOnWeb_SameStepOnSsh_RefusedAsReplayAndCounted()
    {
        var alice = _h.CreateEnrolledAccount("alice");
        var code = _h.NextCode(alice);
        Assert.IsType<SecondFactorResult.SignedIn>(await _h.SignIn.SubmitTotpAsync(await _h.ChallengeAsync(alice), code, "192.0.2.1", TestContext.Current.CancellationToken));

        var replayed = await Check("alice", code);

        Assert.StartsWith("That code was already used.", Assert.IsType<SshCodeResult.Refused>(replayed).Message, StringComparison.Ordinal);
        Assert.Equal(1, _h.Stored(alice).TotpFailures);
    }

    [Fact]
    public async Task CodeAcceptedOnSsh_SameStepOnWeb_RefusedAsReplay()
    {
        var alice = _h.CreateEnrolledAccount("alice");
        var code = _h.NextCode(alice);
        Assert.IsType<SshCodeResult.Accepted>(await Check("alice", code));

        var web = await _h.SignIn.SubmitTotpAsync(await _h.ChallengeAsync(alice), code, "192.0.2.1", TestContext.Current.CancellationToken);

        Assert.Equal(new SecondFactorResult.InvalidTotp(2, true), web);
    }

    [Fact]
    public async Task SameCodeTwiceOnSsh_SecondRefused()
    {
        var alice = _h.CreateEnrolledAccount("alice");
        var code = _h.NextCode(alice);

        var results = await Task.WhenAll(Check("alice", code), Check("alice", code));

        Assert.Single(results, r => r is SshCodeResult.Accepted);
    }

    [Fact]
    public async Task Recovery_RightCode_RefusedUnevaluatedWithWhatToDo()
    {
        var alice = _h.CreateEnrolledAccount("alice");
        await _h.SignIn.SubmitBackupCodesAsync(await _h.ChallengeAsync(alice), _h.WrongCodes(2), "192.0.2.1", TestContext.Current.CancellationToken);
        Assert.Equal(AccountState.Recovery, _h.Stored(alice).State);
        var events = _h.Lockouts.Events.Count;

        var refused = await Check("alice", _h.NextCode(alice));

        Assert.Equal(
            "alice's account is in recovery after a lockout event: its authenticator is no longer trusted. Sign in on the web with 2 backup codes and enrol a new authenticator; then SSH accepts its codes.",
            Assert.IsType<SshCodeResult.Refused>(refused).Message);
        Assert.Equal((0, events), (_h.Stored(alice).TotpFailures, _h.Lockouts.Events.Count));
        Assert.Equal("recovery", _h.AuditOf("alice", AuditNames.LoginTotp.Id).Single().Outcome);
    }

    [Fact]
    public async Task SuperLocked_RightCode_RefusedNamingTheConsoleCommand()
    {
        var alice = _h.CreateEnrolledAccount("alice");
        while (_h.Stored(alice).State != AccountState.SuperLocked)
        {
            await _h.SignIn.SubmitBackupCodesAsync(await _h.ChallengeAsync(alice), _h.WrongCodes(2), "192.0.2.1", TestContext.Current.CancellationToken);
        }

        var refused = await Check("alice", _h.NextCode(alice));

        Assert.Equal(
            "alice's account is super-locked: no code is accepted, by SSH or on the web, until someone runs 'nasdash console unlock alice' at the appliance's console.",
            Assert.IsType<SshCodeResult.Refused>(refused).Message);
        Assert.Equal("superlocked", _h.AuditOf("alice", AuditNames.LoginTotp.Id).Single().Outcome);
    }

    [Fact]
    public async Task UnknownUserOrNoAuthenticator_Refused()
    {
        _h.CreateAccount("bob");

        var unknown = await Check("mallory", "123456");
        var notEnrolled = await Check("bob", "123456");
        var malformed = await Check("bob", "12x");

        Assert.Equal("mallory is not a NasDash administrator: with 2FA for SSH on, only NasDash administrators sign in by SSH.", Assert.IsType<SshCodeResult.Refused>(unknown).Message);
        Assert.Equal("bob has no authenticator enrolled: sign in on the web and enrol one; then SSH accepts its codes.", Assert.IsType<SshCodeResult.Refused>(notEnrolled).Message);
        Assert.IsType<SshCodeResult.Refused>(malformed);
    }

    public void Dispose() => _h.Dispose();
}
