using System.Buffers.Binary;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

public class PasswordHashingTests
{
    [Fact]
    public void Hash_DefaultWorkFactor_IsPbkdf2Sha512AtOwaspIterations()
    {
        var hash = new PasswordHashing().Hash(TestPasswords.Default);

        Assert.Equal((Prf: 2, Iterations: 210_000), Parameters(hash));
        Assert.Equal(210_000, PasswordHashing.OwaspIterations);
    }

    [Fact]
    public void Verify_HashWithFewerIterations_SucceedsAndAsksForRehash()
    {
        var old = new PasswordHashing(iterations: 500).Hash(TestPasswords.Default);
        var current = new PasswordHashing(iterations: 1_000);

        Assert.Equal(PasswordCheck.SucceededRehashNeeded, current.VerifyHash(old, TestPasswords.Default));
        Assert.Equal(PasswordCheck.Failed, current.VerifyHash(old, "wrong horse battery"));
        Assert.Equal(PasswordCheck.Succeeded, current.VerifyHash(current.Hash("x y z"), "x y z"));
    }

    [Fact]
    public void Verify_UnknownOrHashlessAccount_Failed()
    {
        var hashing = new PasswordHashing(iterations: 1_000);

        Assert.Equal(PasswordCheck.Failed, hashing.Verify(account: null, "anything"));
        Assert.Equal(PasswordCheck.Failed, hashing.VerifyHash("", ""));
    }

    [Fact]
    public void DummyHash_HasTheRealFormatAtTheConfiguredCost_AndNothingMatchesIt()
    {
        // Same PRF, iteration count, salt and subkey sizes as a real hash: the same PBKDF2 work to verify
        // (SubmitPassword_UnknownUser_CostsAboutAsMuchAsAKnownUsersWrongPassword times it through the sign-in service).
        var hashing = new PasswordHashing(iterations: 20_000);
        var real = Convert.FromBase64String(hashing.Hash(TestPasswords.Default));
        var dummy = Convert.FromBase64String(hashing.DummyHash);

        Assert.Equal((Prf: 2, Iterations: 20_000), Parameters(hashing.DummyHash));
        Assert.Equal(real.Length, dummy.Length);
        Assert.Equal(real.AsSpan(0, 13).ToArray(), dummy.AsSpan(0, 13).ToArray());
        Assert.NotEqual(hashing.DummyHash, new PasswordHashing(iterations: 20_000).DummyHash);
        foreach (var guess in new[] { "", TestPasswords.Default, "password" })
        {
            Assert.Equal(PasswordCheck.Failed, hashing.VerifyHash(hashing.DummyHash, guess));
        }
    }

    [Fact]
    public async Task SubmitPassword_HashOfAnOlderWorkFactor_IsRehashedAtTheCurrentOne()
    {
        using var harness = new CoreHarness(passwordIterations: 1_000);
        var alice = harness.CreateEnrolledAccount("alice");
        var account = harness.Stored(alice);
        account.PasswordChanged(new PasswordHashing(iterations: 500).Hash(alice.Password));
        harness.Store.SaveSetUp(account);

        Assert.IsType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null, TestContext.Current.CancellationToken));

        Assert.Equal(1_000, Parameters(harness.Stored(alice).PasswordHash).Iterations);
        Assert.IsType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("alice", alice.Password, null, TestContext.Current.CancellationToken));
    }

    /// <summary>ASP.NET Core Identity v3 format: 0x01, PRF, iteration count, salt length (big-endian), salt, subkey.</summary>
    private static (int Prf, int Iterations) Parameters(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        return ((int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)), (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)));
    }
}

[Collection(nameof(TimingCollection))]
public class PasswordTimingTests
{
    private const int Tries = 15;

    [Fact]
    public async Task SubmitPassword_UnknownUser_RunsOneVerificationAtTheConfiguredCostLikeAKnownUser()
    {
        using var harness = new CoreHarness(passwordIterations: 50_000);
        harness.CreateEnrolledAccount("alice");
        var cancel = TestContext.Current.CancellationToken;

        var before = harness.Passwords.Verifications;
        await harness.SignIn.SubmitPasswordAsync("alice", "wrong password", "192.0.2.61", cancel);
        var known = harness.Passwords.Verifications - before;
        await harness.SignIn.SubmitPasswordAsync("nobody", "wrong password", "192.0.2.62", cancel);
        var unknown = harness.Passwords.Verifications - before - known;

        Assert.Equal((1L, 1L), (known, unknown));
        // The dummy hash an unknown name is verified against carries the configured iteration count (V3 header, bytes 5-8).
        Assert.Equal(50_000u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Convert.FromBase64String(harness.Passwords.DummyHash).AsSpan(5, 4)));
    }

    /// <summary>The same in wall time: explicit (a loaded machine moves timings); the figures belong to the benchmarks.</summary>
    [Fact(Explicit = true)]
    public async Task SubmitPassword_UnknownUser_CostsAboutAsMuchAsAKnownUsersWrongPassword()
    {
        // A work factor where hashing dominates the store write, as with the real 210,000 iterations.
        using var harness = new CoreHarness(passwordIterations: 50_000);
        var alice = harness.CreateEnrolledAccount("alice");
        var cancel = TestContext.Current.CancellationToken;

        var tries = 0;
        var fastest = await TimingCollection.InterleavedFastest(Tries,
            async () =>
            {
                harness.Time.Advance(TimeSpan.FromMinutes(16));
                Assert.IsNotType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("alice", "wrong password", DeviceCookieTests.Botnet(++tries), cancel));
            },
            async () =>
            {
                harness.Time.Advance(TimeSpan.FromMinutes(16));
                Assert.IsNotType<PasswordStepResult.SecondFactorRequired>(await harness.SignIn.SubmitPasswordAsync("nobody", "wrong password", DeviceCookieTests.Botnet(++tries), cancel));
            });

        // Every try was evaluated: the clock moved past each throttle delay (which also hides unknown names).
        Assert.Equal(Tries, harness.Stored(alice).PasswordFailures);
        var ratio = fastest[1] / fastest[0];
        TestContext.Current.TestOutputHelper?.WriteLine($"known-wrong fastest {fastest[0].TotalMilliseconds:F1} ms, unknown fastest {fastest[1].TotalMilliseconds:F1} ms, ratio {ratio:F2}");
        Assert.InRange(ratio, 0.6, 1.6);
    }
}
