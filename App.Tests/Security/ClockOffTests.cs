using NasDash.Tests.TestSupport;
using OtpNet;

namespace NasDash.Tests.Security;

/// <summary>Issue 28: a clock that is off cannot push the owner into Recovery, and cannot hand a stranger a coming code.</summary>
public sealed class ClockOffTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>What the owner's phone shows at <paramref name="at"/> (its own, right clock).</summary>
    private static string PhoneCode(EnrolledAccount account, DateTimeOffset at) => new Totp(account.TotpSecret).ComputeTotp(at.UtcDateTime);

    public static TheoryData<int> Offsets => [-110, -30, 3, 45, 119];

    [Theory]
    [MemberData(nameof(Offsets))]
    public async Task RightCodes_WhileTheServerClockIsOffByMinutes_AreRefusedUncountedAndNeverMoveToRecovery(int minutesOff)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        // The phone is right; the server's clock is minutesOff ahead of it (a fake clock only moves forward).
        var real = harness.Time.GetUtcNow();
        if (minutesOff > 0)
        {
            harness.Time.Advance(TimeSpan.FromMinutes(minutesOff));
        }
        else
        {
            real += TimeSpan.FromMinutes(-minutesOff);
        }

        var results = new List<SecondFactorResult>();
        for (var i = 0; i < 2 * harness.Policy.TotpFailuresBeforeRecovery; i++)
        {
            results.Add(await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), PhoneCode(alice, real), "192.0.2.1", Cancel));
            real += TimeSpan.FromSeconds(TotpVerifier.StepSeconds);
            harness.Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
        }

        var offset = Assert.IsType<SecondFactorResult.ClockOff>(results[0]).Offset;
        Assert.All(results, r => Assert.IsType<SecondFactorResult.ClockOff>(r));
        Assert.InRange(offset.TotalMinutes, -minutesOff - 1, -minutesOff + 1);
        var stored = harness.Stored(alice);
        Assert.Equal(AccountState.Normal, stored.State);
        Assert.Equal(0, stored.TotpFailures);
        Assert.Contains(harness.Store.Open(), a => a.Key == AlertKeys.ClockOff);
    }

    [Fact]
    public async Task RightCodes_AfterAFastClockWasCorrected_AreRefusedUncountedUntilTheClockCatchesUp()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        // While the clock ran an hour fast, a code was accepted an hour ahead; the clock is right again now.
        var now = harness.Time.GetUtcNow();
        var account = harness.Stored(alice);
        account.TotpAccepted(TotpVerifier.StepAt(now) + 120, now + TimeSpan.FromHours(1));
        harness.Store.Update(account);

        for (var i = 0; i < 2 * harness.Policy.TotpFailuresBeforeRecovery; i++)
        {
            var verdict = await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.Totp.Current(alice.TotpSecret), null, Cancel);
            Assert.True(verdict is SecondFactorResult.ClockOff { Offset.TotalMinutes: < -50 }, $"{verdict}");
            harness.Time.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
        }

        Assert.Equal(AccountState.Normal, harness.Stored(alice).State);
        Assert.Equal(0, harness.Stored(alice).TotpFailures);
    }

    [Fact]
    public async Task ACodeThatFitsAComingStep_IsRefusedThenAndWhenThatStepComes()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var coming = harness.Time.GetUtcNow() + TimeSpan.FromMinutes(40);
        var stranger = PhoneCode(alice, coming);

        Assert.IsType<SecondFactorResult.ClockOff>(await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), stranger, "203.0.113.9", Cancel));
        harness.Time.SetUtcNow(coming);

        var later = await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), stranger, "203.0.113.9", Cancel);

        Assert.True(later is SecondFactorResult.InvalidTotp { Replayed: true }, $"{later}");
        Assert.Equal(1, harness.Stored(alice).TotpFailures);
    }

    [Fact]
    public async Task AWrongCode_RightForNoStepWithinTwoHours_StillCounts()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var now = harness.Time.GetUtcNow();
        var near = Enumerable.Range(-TotpVerifier.SkewSteps - 1, 2 * TotpVerifier.SkewSteps + 3)
            .Select(k => PhoneCode(alice, now + TimeSpan.FromSeconds(k * TotpVerifier.StepSeconds))).ToHashSet();
        var wrong = Enumerable.Range(0, 1_000_000).Select(n => n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !near.Contains(c));

        var verdict = await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), wrong, null, Cancel);

        Assert.IsType<SecondFactorResult.InvalidTotp>(verdict);
        Assert.Equal(1, harness.Stored(alice).TotpFailures);
    }
}
