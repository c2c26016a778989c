namespace NasDash.Tests.Security;

public sealed class PasswordBudgetTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<int, int?> PauseAfterFailures => new()
    {
        { 1, null },
        { 4, null },
        { 5, 30 },
        { 6, 60 },
        { 9, 480 },
        { 10, 900 },
        { 40, 900 },
    };

    [Theory]
    [MemberData(nameof(PauseAfterFailures))]
    public void Failed_NthTimeInARow_PausesAsThePasswordThrottleSays(int failures, int? pauseSeconds)
    {
        var budget = PasswordBudget.Full;
        for (var i = 0; i < failures; i++)
        {
            budget = budget.Failed(Now);
        }

        Assert.Equal(failures, budget.Failures);
        Assert.Equal(pauseSeconds is { } s ? Now.AddSeconds(s) : null, budget.PausedAt(Now));
    }

    [Fact]
    public void PausedAt_TheMomentThePauseEnds_IsNoLongerPaused()
    {
        var budget = new PasswordBudget(5, Now.AddSeconds(30));

        Assert.Equal(Now.AddSeconds(30), budget.PausedAt(Now.AddSeconds(29)));
        Assert.Null(budget.PausedAt(Now.AddSeconds(30)));
    }
}
