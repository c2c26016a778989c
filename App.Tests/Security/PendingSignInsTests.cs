using Microsoft.Extensions.Time.Testing;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

public class PendingSignInsTests
{
    private readonly FakeTimeProvider _time = new(CoreHarness.Start);
    private readonly Account _alice = Account.Create("alice", "hash", CoreHarness.Start);

    [Fact]
    public void RedeemTicket_SecondTime_Null()
    {
        var pending = new PendingSignIns(_time);
        var ticket = pending.IssueTicket(_alice, enrolment: false);

        var first = pending.RedeemTicket(ticket);

        Assert.Equal((_alice.Id, _alice.SecurityStamp, false), (first!.AccountId, first.SecurityStamp, first.Enrolment));
        Assert.Null(pending.RedeemTicket(ticket));
    }

    [Fact]
    public void RedeemTicket_AtTheEndOfItsLifetime_Null()
    {
        var pending = new PendingSignIns(_time);
        var ticket = pending.IssueTicket(_alice, enrolment: true);
        _time.Advance(PendingSignIns.TicketLifetime);

        Assert.Null(pending.RedeemTicket(ticket));
    }

    [Fact]
    public void FindChallenge_JustBeforeItsLifetime_FoundThenExpired()
    {
        var pending = new PendingSignIns(_time);
        var challenge = pending.IssueChallenge(_alice);

        _time.Advance(PendingSignIns.ChallengeLifetime - TimeSpan.FromTicks(1));
        Assert.NotNull(pending.FindChallenge(challenge));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(pending.FindChallenge(challenge));
    }

    [Fact]
    public void IssueTicket_Many_AllDistinctAndUnguessablyLong()
    {
        var pending = new PendingSignIns(_time);

        var tickets = Enumerable.Range(0, 1_000).Select(_ => pending.IssueTicket(_alice, enrolment: false)).ToList();

        Assert.Equal(1_000, tickets.Distinct(StringComparer.Ordinal).Count());
        Assert.All(tickets, t => Assert.Matches("^[A-Za-z0-9_-]{43}$", t));
    }
}
