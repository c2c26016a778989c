using Microsoft.AspNetCore.DataProtection;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

public class DeviceCookieTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>The n-th of many addresses (10.0.0.0/8), as a botnet or a large NAT pool would send from.</summary>
    internal static string Botnet(int n) => $"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}";

    [Fact]
    public async Task ADayOfUntrustedGuessing_StaysWithinTheBoundAndNeverDelaysTheOwnersDevice()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var ownersDevice = harness.Devices.Issue(harness.Stored(alice));
        var end = harness.Time.GetUtcNow() + TimeSpan.FromDays(1);
        var attempts = 0;

        // The fastest attacker the throttle allows: the next guess the moment the pause ends.
        while (harness.Time.GetUtcNow() < end)
        {
            attempts++;
            // A botnet: a new address each time, so only the account's untrusted bucket bounds it.
            var verdict = await harness.SignIn.SubmitPasswordAsync("alice", $"guess {attempts}", Botnet(attempts), Cancel);
            if (verdict is PasswordStepResult.Throttled throttled)
            {
                harness.Time.SetUtcNow(throttled.Until);
            }

            if (attempts % 25 == 0)
            {
                var owner = await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, "192.0.2.1", DeviceCookieJar.Holding(alice.Id, ownersDevice), Cancel);
                Assert.IsType<PasswordStepResult.SecondFactorRequired>(owner);
            }
        }

        var evaluated = harness.Stored(alice).PasswordFailures;
        TestContext.Current.TestOutputHelper?.WriteLine($"{attempts} attempts, {evaluated} evaluated in a day; bound {Account.UntrustedGuessesPerDayBound}");
        Assert.InRange(evaluated, 100, Account.UntrustedGuessesPerDayBound);
        Assert.Equal(106, Account.UntrustedGuessesPerDayBound);
        // The moment the attacker's next guess is evaluated, untrusted browsers are paused, the right password too.
        await harness.SignIn.SubmitPasswordAsync("alice", "one more guess", Botnet(attempts + 1), Cancel);
        Assert.IsType<PasswordStepResult.Throttled>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, Botnet(attempts + 2), Cancel));
        Assert.IsType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, "192.0.2.1", DeviceCookieJar.Holding(alice.Id, ownersDevice), Cancel));
    }

    [Fact]
    public async Task TrustedDevice_HasItsOwnBudget_AndItsFailuresLeaveTheUntrustedBucketAlone()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var device = harness.Devices.Issue(harness.Stored(alice));

        var verdicts = new List<PasswordStepResult>();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            verdicts.Add(await harness.SignIn.SubmitPasswordAsync("alice", "wrong", null, DeviceCookieJar.Holding(alice.Id, device), Cancel));
        }

        Assert.IsType<PasswordStepResult.Throttled>(verdicts[^1]);
        Assert.IsType<PasswordStepResult.Throttled>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null, DeviceCookieJar.Holding(alice.Id, device), Cancel));
        Assert.Equal(0, harness.Stored(alice).PasswordFailures);
        Assert.IsType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null, Cancel));
    }

    public static TheoryData<string> Untrusted => ["revoked by a password change", "revoked by a console unlock", "forged", "another account's", "signed with other keys"];

    [Theory]
    [MemberData(nameof(Untrusted))]
    public async Task DeviceCookie_ThatIsNotCurrentForTheAccount_CountsAsUntrusted(string kind)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        var token = harness.Devices.Issue(harness.Stored(alice));
        switch (kind)
        {
            case "revoked by a password change":
                Assert.True((await harness.Administration.ResetPasswordAsync("alice", alice.Password, "root", Cancel)).Succeeded);
                break;
            case "revoked by a console unlock":
                Assert.True((await harness.Administration.UnlockAsync("alice", "root", Cancel)).Succeeded);
                break;
            case "forged":
                token = token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA");
                break;
            case "another account's":
                token = harness.Devices.Issue(harness.Stored(bob));
                break;
            default:
                using (var other = new TempDirectory())
                {
                    var keys = DataProtectionProvider.Create(new DirectoryInfo(other.Combine("keys")), b => b.SetApplicationName("NasDash"));
                    token = new DeviceCookies(keys, harness.Time).Issue(harness.Stored(alice));
                }

                break;
        }

        var stored = harness.Stored(alice);
        Assert.Null(harness.Devices.Recognise(stored, [token]));
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            await harness.SignIn.SubmitPasswordAsync("alice", "wrong", null, Cancel);
        }

        Assert.IsType<PasswordStepResult.Throttled>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null, DeviceCookieJar.Holding(alice.Id, token), Cancel));
    }

    [Fact]
    public void DeviceCookie_OlderThanItsLifetime_CountsAsUntrusted()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var token = harness.Devices.Issue(harness.Stored(alice));

        harness.Time.Advance(DeviceCookies.Lifetime);

        Assert.Null(harness.Devices.Recognise(harness.Stored(alice), [token]));
    }

    [Fact]
    public void DeviceCookie_Renewed_KeepsItsDevice()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var first = harness.Devices.Issue(harness.Stored(alice));
        var device = harness.Devices.Recognise(harness.Stored(alice), [first]);

        var renewed = harness.Devices.Issue(harness.Stored(alice), device);

        Assert.NotNull(device);
        Assert.Equal(device, harness.Devices.Recognise(harness.Stored(alice), ["not a token", renewed]));
    }

    [Fact]
    public async Task UnknownUserName_WithDeviceCookies_IsAnsweredLikeAKnownUsersUntrustedBrowser()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var token = harness.Devices.Issue(harness.Stored(alice));

        var known = new List<string>();
        var unknown = new List<string>();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle + 1; i++)
        {
            known.Add((await harness.SignIn.SubmitPasswordAsync("alice", "wrong", null, Cancel)).GetType().Name);
            unknown.Add((await harness.SignIn.SubmitPasswordAsync("nobody", "wrong", null, DeviceCookieJar.Holding(alice.Id, token), Cancel)).GetType().Name);
        }

        Assert.Equal(known, unknown);
    }
}
