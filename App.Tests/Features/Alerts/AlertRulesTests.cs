using NasDash.Features.Alerts;
using NasDash.Security;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Alerts;

public sealed class AlertRulesTests : NasDashTestContext
{
    private AlertRules Rules => Get<AlertRules>();
    private IAlertStore Alerts => Get<IAlertStore>();

    [Fact]
    public void Evaluate_CodesBelowM_RaisesAndClearsCodesLow()
    {
        var alice = Seed("alice");
        TestAdministrators.UseCodes(Services, alice.Id, 9);

        Assert.True(Rules.Evaluate());
        var alert = Assert.Single(Alerts.Open());
        Assert.Equal("codes-low:alice", alert.Key);
        Assert.Contains("1 backup code left, but a recovery needs 2", alert.Message);
        Assert.False(Rules.Evaluate());

        TestAdministrators.Adjust(Services, alice.Id, a => a.BackupCodes!.Used[0] = false);
        Assert.True(Rules.Evaluate());
        Assert.Empty(Alerts.Open());
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
        var alice = Seed("alice");
        TestAdministrators.UseCodes(Services, alice.Id, 9);
        Rules.Evaluate();
        Alerts.Acknowledge(Alerts.Open()[0].Id, "alice");

        Assert.False(Rules.Evaluate());
        Assert.Empty(Alerts.Open());

        TestAdministrators.Adjust(Services, alice.Id, a => a.BackupCodes!.Used[0] = false);
        Rules.Evaluate();
        TestAdministrators.UseCodes(Services, alice.Id, 9);
        Rules.Evaluate();
        Assert.Equal("codes-low:alice", Assert.Single(Alerts.Open()).Key);
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
        var alice = Seed("alice");
        var events = Get<SecurityEvents>();
        Rules.Attach(events);
        var changes = 0;
        events.Changed += () => changes++;
        TestAdministrators.UseCodes(Services, alice.Id, 9);

        events.NotifyChanged();

        Assert.Equal("codes-low:alice", Assert.Single(Alerts.Open()).Key);
        Assert.Equal(2, changes);
    }

    [Fact]
    public void ActionFor_CodesLowOfTheViewer_PointsToMyAccount()
    {
        var alert = new Alert { Key = "codes-low:alice" };

        Assert.Equal("/account", AlertsService.ActionFor(alert, "alice")!.Url);
        Assert.Equal("/users", AlertsService.ActionFor(alert, "bob")!.Url);
        Assert.Equal("Re-enable SSH", AlertsService.ActionFor(new Alert { Key = "ssh-disabled" }, "bob")!.Label);
    }
}
