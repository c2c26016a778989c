using NasDash.Features.Alerts;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Alerts;

public sealed class AlertRulesTests : NasDashTestContext
{
    private AlertRules Rules => Get<AlertRules>();
    private IAlertStore Alerts => Get<IAlertStore>();

    [Fact]
    public void Evaluate_SetSmallerThanM_RaisesNoAlert()
    {
        var alice = Seed("alice");
        TestAdministrators.GiveSetOf(Services, alice.Id, 1);

        Assert.False(Rules.Evaluate());
        Assert.Empty(Alerts.All(int.MaxValue));
    }

    [Fact]
    public void Evaluate_RetiredCodesLowAlertFromAnOlderVersion_IsCleared()
    {
        Seed("alice");
        Alerts.Raise("codes-low:alice", AlertSeverity.Warning, "alice has 1 backup code left, but a recovery needs 2.", "/users");

        Assert.True(Rules.Evaluate());

        Assert.Empty(Alerts.Open());
        Assert.False(Rules.Evaluate());
    }

    [Fact]
    public void Evaluate_AdministratorWithoutSecondFactor_RaisesNo2faUntilEnrolled()
    {
        Seed("alice");
        var carol = TestAdministrators.SeedUnenrolled(Services, "carol");

        Rules.Evaluate();
        Assert.Equal("no-2fa:carol", Assert.Single(Alerts.Open()).Key);

        Get<IAccountStore>().Delete(carol.Id);
        Rules.Evaluate();
        Assert.Empty(Alerts.Open());
    }

    [Fact]
    public void Evaluate_AcknowledgedCondition_IsNotRaisedAgainWhileItHolds()
    {
        Seed("alice");
        var carol = TestAdministrators.SeedUnenrolled(Services, "carol");
        Rules.Evaluate();
        Alerts.Acknowledge(Alerts.Open()[0].Id, "alice");

        Assert.False(Rules.Evaluate());
        Assert.Empty(Alerts.Open());

        Get<IAccountStore>().Delete(carol.Id);
        Rules.Evaluate();
        TestAdministrators.SeedUnenrolled(Services, "carol");
        Rules.Evaluate();
        Assert.Equal("no-2fa:carol", Assert.Single(Alerts.Open()).Key);
    }

    [Fact]
    public void Evaluate_ConsoleLiftedSuperLockout_ClearsItsAlert()
    {
        var alice = Seed("alice");
        Alerts.Raise("superlocked:alice", AlertSeverity.Critical, "alice is super-locked.", "/users");
        TestAdministrators.Adjust(Services, alice.Id, a => a.SuperLock(Time.GetUtcNow()));
        Rules.Evaluate();
        Assert.Contains(Alerts.Open(), a => a.Key == "superlocked:alice");

        TestAdministrators.Adjust(Services, alice.Id, a => a.UnlockAtConsole(Time.GetUtcNow()));
        Rules.Evaluate();

        Assert.DoesNotContain(Alerts.Open(), a => a.Key == "superlocked:alice");
    }

    [Fact]
    public void Attach_SecurityChange_EvaluatesAndNotifiesOnce()
    {
        Seed("alice");
        var events = Get<SecurityEvents>();
        Rules.Attach(events);
        var changes = 0;
        events.Changed += () => changes++;
        TestAdministrators.SeedUnenrolled(Services, "carol");

        events.NotifyChanged();

        Assert.Equal("no-2fa:carol", Assert.Single(Alerts.Open()).Key);
        Assert.Equal(2, changes);
    }

    [Fact]
    public void ActionFor_KindsOfAlert_PointToWhereTheyAreSettled()
    {
        Assert.Equal("Re-enable SSH", AlertsService.ActionFor(new Alert { Key = "ssh-disabled" })!.Label);
        Assert.Equal("/users", AlertsService.ActionFor(new Alert { Key = "no-2fa:carol" })!.Url);
        Assert.Null(AlertsService.ActionFor(new Alert { Key = "codes-low:alice" }));
    }
}
