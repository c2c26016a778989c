using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Login;

/// <summary>
/// 20 clients hammer wrong backup codes at one account (they know its password) while another administrator signs in
/// normally, through the real SignInService. Asserts correctness only; prints the legitimate sign-in's latency with
/// and without the attack. The production-cost variant is a benchmark, run explicitly:
/// <c>dotnet run --project App.Tests -- --filter-trait Category=Benchmark --explicit only --show-live-output on</c>.
/// </summary>
public sealed class BackupCodeAttackLoadTests
{
    private const int Attackers = 20;

    [Fact]
    public async Task BackupCodeAttack_TwentyParallelClients_CountsExactlyNAndLeavesTheOtherAccountAlone()
    {
        var figures = await RunAsync(passwordIterations: 1000, backupCodeIterations: 100, legitimateSignIns: 10);
        TestContext.Current.TestOutputHelper?.WriteLine($"cheap hashing: {figures}");
    }

    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task BackupCodeAttack_AtProductionHashingCost_ReportsSignInLatency()
    {
        var figures = await RunAsync(PasswordHashing.OwaspIterations, BackupCodes.DefaultIterations, legitimateSignIns: 30);
        TestContext.Current.TestOutputHelper?.WriteLine($"PBKDF2 {PasswordHashing.OwaspIterations} (passwords), {BackupCodes.DefaultIterations} (codes): {figures}");
    }

    private static async Task<Figures> RunAsync(int passwordIterations, int backupCodeIterations, int legitimateSignIns)
    {
        var clock = new SteppingClock();
        using var core = new TestCore();
        var collection = new ServiceCollection();
        core.AddTo(collection, clock, passwordIterations, backupCodeIterations);
        await using var services = collection.BuildServiceProvider();
        var victim = SeededAccounts.Create(services, "victim");
        var admin = SeededAccounts.Create(services, "admin");
        var n = TwoFactorSettings.Defaults.MaxFailedBackupSubmissions;
        var signIns = services.GetRequiredService<SignInService>();

        var quiet = await SignInRepeatedlyAsync(signIns, admin, clock, legitimateSignIns);

        using var stop = new CancellationTokenSource();
        var verdicts = new ConcurrentBag<SecondFactorResult>();
        var attack = Enumerable.Range(1, Attackers)
            .Select(i => Task.Run(() => AttackAsync(signIns, victim, $"198.51.100.{i}", verdicts, stop.Token), TestContext.Current.CancellationToken))
            .ToList();
        // Let every attacker start before the measurement.
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var underAttack = await SignInRepeatedlyAsync(signIns, admin, clock, legitimateSignIns);
        // On a busy machine the attack may not have used up its N submissions yet: let it finish before judging.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (SeededAccounts.Stored(services, "victim").State != AccountState.SuperLocked && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await stop.CancelAsync();
        await Task.WhenAll(attack);

        var stored = SeededAccounts.Stored(services, "victim");
        var counted = services.GetRequiredService<IAuditLog>()
            .Query(new AuditQuery(UserName: "victim", EventPrefix: "login.backup-codes", Take: 10_000))
            .Count(e => e.Outcome is "failed" or "superlocked");
        Assert.Equal(AccountState.SuperLocked, stored.State);
        Assert.Equal(n, stored.BackupFailures);
        Assert.Equal(n, counted);
        Assert.Equal(n - 1, verdicts.Count(v => v is SecondFactorResult.InvalidBackupCodes));
        Assert.DoesNotContain(verdicts, v => v is SecondFactorResult.SignedIn);
        Assert.Equal(victim.Codes.Count, stored.SecondFactor.BackupCodesInSet);
        var adminAfter = SeededAccounts.Stored(services, "admin");
        Assert.Equal(AccountState.Normal, adminAfter.State);
        Assert.Equal(0, adminAfter.TotpFailures + adminAfter.BackupFailures + adminAfter.PasswordFailures);

        return new Figures(Summary.Of(quiet), Summary.Of(underAttack), verdicts.Count);
    }

    /// <summary>Password then TOTP, each on a fresh time step; every one must succeed.</summary>
    private static async Task<List<double>> SignInRepeatedlyAsync(SignInService signIns, SeededAccount admin, SteppingClock clock, int count)
    {
        var millis = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(TotpVerifier.StepSeconds));
            var watch = Stopwatch.StartNew();
            var password = await signIns.SubmitPasswordAsync(admin.UserName, admin.Password, "192.0.2.10");
            var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password).ChallengeId;
            var totp = await signIns.SubmitTotpAsync(challenge, admin.TotpAt(clock.GetUtcNow()), "192.0.2.10");
            watch.Stop();
            Assert.IsType<SecondFactorResult.SignedIn>(totp);
            millis.Add(watch.Elapsed.TotalMilliseconds);
        }

        return millis;
    }

    /// <summary>One attacking client: the right password, then wrong codes as fast as the server answers, until stopped.</summary>
    private static async Task AttackAsync(SignInService signIns, SeededAccount victim, string client, ConcurrentBag<SecondFactorResult> verdicts, CancellationToken stop)
    {
        string? challenge = null;
        while (!stop.IsCancellationRequested)
        {
            if (challenge is null)
            {
                var password = await signIns.SubmitPasswordAsync(victim.UserName, victim.Password, client, CancellationToken.None);
                challenge = (password as PasswordStepResult.SecondFactorRequired)?.ChallengeId;
                continue;
            }

            var wrong = new[] { BackupCodes.Format(RandomCode()), BackupCodes.Format(RandomCode()) };
            var verdict = await signIns.SubmitBackupCodesAsync(challenge, wrong, client, CancellationToken.None);
            verdicts.Add(verdict);
            if (verdict is not SecondFactorResult.InvalidBackupCodes)
            {
                challenge = null;
            }
        }
    }

    private static string RandomCode() => System.Security.Cryptography.RandomNumberGenerator.GetString(BackupCodes.Alphabet, BackupCodes.CodeLength);

    private sealed record Figures(Summary Quiet, Summary UnderAttack, int AttackSubmissions)
    {
        public override string ToString() =>
            $"legitimate sign-in (password + TOTP) without attack: {Quiet}; with {Attackers} attackers: {UnderAttack}; attack submissions answered: {AttackSubmissions}";
    }

    private sealed record Summary(int Count, double Median, double P95)
    {
        public static Summary Of(List<double> millis)
        {
            var sorted = millis.Order().ToList();
            return new Summary(sorted.Count, Percentile(sorted, 0.5), Percentile(sorted, 0.95));
        }

        public override string ToString() => $"median {Median:0} ms, p95 {P95:0} ms (n={Count})";

        private static double Percentile(List<double> sorted, double p)
        {
            var rank = p * (sorted.Count - 1);
            var low = (int)Math.Floor(rank);
            var high = (int)Math.Ceiling(rank);
            return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
        }
    }
}
