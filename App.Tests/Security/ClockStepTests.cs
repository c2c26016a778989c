using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// Issue 28: deadlines that guard people are measured so that setting the wall clock (NTP, an administrator, a bad
/// battery) neither extends nor voids them. <see cref="WallStepClock.StepWall"/> sets the clock; Advance is time passing.
/// </summary>
public sealed class ClockStepTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<int> Steps => [-24 * 400, -25, -1, 1, 25, 24 * 400];

    [Theory]
    [MemberData(nameof(Steps))]
    public void Ticket_WallClockSet_LivesItsLifetimeAndNoLonger(int hours)
    {
        using var harness = new CoreHarness();
        var alice = harness.Stored(harness.CreateEnrolledAccount("alice"));
        var kept = harness.Pending.IssueTicket(alice, enrolment: false);
        var lapsed = harness.Pending.IssueTicket(alice, enrolment: false);

        harness.Time.StepWall(TimeSpan.FromHours(hours));
        harness.Time.Advance(PendingSignIns.TicketLifetime - TimeSpan.FromSeconds(1));

        Assert.NotNull(harness.Pending.RedeemTicket(kept));
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(harness.Pending.RedeemTicket(lapsed));
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void Challenge_WallClockSet_LivesItsLifetimeAndNoLonger(int hours)
    {
        using var harness = new CoreHarness();
        var challenge = harness.Pending.IssueChallenge(harness.Stored(harness.CreateEnrolledAccount("alice")));

        harness.Time.StepWall(TimeSpan.FromHours(hours));
        harness.Time.Advance(PendingSignIns.ChallengeLifetime - TimeSpan.FromSeconds(1));
        Assert.NotNull(harness.Pending.FindChallenge(challenge));

        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(harness.Pending.FindChallenge(challenge));
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task StepUpGrant_WallClockSet_LivesItsLifetimeAndNoLonger(int hours)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), StepUpPurpose.EnableSsh, null, Cancel));
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), StepUpPurpose.RenewBackupCodes, null, Cancel));

        harness.Time.StepWall(TimeSpan.FromHours(hours));
        harness.Time.Advance(StepUp.GrantLifetime - TimeSpan.FromSeconds(TotpVerifier.StepSeconds + 1));
        Assert.True(harness.StepUp.TryConsumeGrant(alice.Id, StepUpPurpose.RenewBackupCodes));

        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(harness.StepUp.TryConsumeGrant(alice.Id, StepUpPurpose.EnableSsh));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-25)]
    public async Task PasswordPause_WallClockSetBack_NeverLongerThanThePauseItself(int hours)
    {
        using var harness = new CoreHarness();
        harness.CreateEnrolledAccount("alice");
        PasswordStepResult verdict = new PasswordStepResult.InvalidCredentials();
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            verdict = await harness.SignIn.SubmitPasswordAsync("alice", "wrong password", $"192.0.2.{i}", Cancel);
        }

        Assert.Equal(harness.Time.GetUtcNow() + PasswordThrottle.FirstDelay, Assert.IsType<PasswordStepResult.Throttled>(verdict).Until);

        harness.Time.StepWall(TimeSpan.FromHours(hours));
        var after = await harness.SignIn.SubmitPasswordAsync("alice", "wrong password", "192.0.2.99", Cancel);

        // The stored end is an hour off: read as over, the guess is judged and starts the next pause, counted from now.
        var until = Assert.IsType<PasswordStepResult.Throttled>(after).Until;
        Assert.Equal(PasswordThrottle.Delay(PasswordThrottle.FailuresBeforeThrottle + 1), until - harness.Time.GetUtcNow());
        Assert.Equal(PasswordThrottle.FailuresBeforeThrottle + 1, harness.Store.FindByName("alice")!.PasswordFailures);
    }

    [Theory]
    [InlineData(25)]
    [InlineData(24 * 400)]
    public async Task PasswordPause_WallClockSetForward_EndsItsPauseAndStartsTheNextByItsFailures(int hours)
    {
        using var harness = new CoreHarness();
        harness.CreateEnrolledAccount("alice");
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            await harness.SignIn.SubmitPasswordAsync("alice", "wrong password", $"192.0.2.{i}", Cancel);
        }

        harness.Time.StepWall(TimeSpan.FromHours(hours));
        var after = await harness.SignIn.SubmitPasswordAsync("alice", "wrong password", "192.0.2.99", Cancel);

        Assert.Equal(PasswordThrottle.Delay(PasswordThrottle.FailuresBeforeThrottle + 1),
            Assert.IsType<PasswordStepResult.Throttled>(after).Until - harness.Time.GetUtcNow());
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void DeviceCookie_WallClockSet_IsNeitherVoidedNorKeptPastItsLifetime(int hours)
    {
        using var harness = new CoreHarness();
        var alice = harness.Stored(harness.CreateEnrolledAccount("alice"));
        var token = harness.Devices.Issue(alice);

        harness.Time.StepWall(TimeSpan.FromHours(hours));
        Assert.NotNull(harness.Devices.Recognise(alice, [token]));

        // A year of real time voids it whichever way the clock was set (a token from the future is new, so a
        // backward step keeps it until a year after the clock catches up with its issue).
        harness.Time.Advance(DeviceCookies.Lifetime + TimeSpan.FromHours(hours < 0 ? -hours : 0));
        Assert.Null(harness.Devices.Recognise(alice, [token]));
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void RefusedSignIns_WallClockSet_OneSummaryPerIntervalAndTheHourCountsOn(int hours)
    {
        var time = new WallStepClock(CoreHarness.Start);
        var refused = new RefusedSignIns(time);
        var alice = Guid.NewGuid();
        Assert.NotNull(refused.Record(alice));

        time.StepWall(TimeSpan.FromHours(hours));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Null(refused.Record(alice));
        Assert.Equal(2, refused.InLastHour(alice));

        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(new RefusedSignIns.SummaryDue(2, CoreHarness.Start), refused.Record(alice));
        Assert.Equal(2, refused.InLastHour(alice));
    }
}
