using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpNet;

namespace NasDash.Tests.Security;

public class TotpVerifierTests
{
    // RFC 4226 Appendix D and RFC 6238 Appendix B seeds (the SHA256/SHA512 ones as the RFC's reference code uses them).
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Seed = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    private static readonly (long UnixSeconds, string Sha1, string Sha256, string Sha512)[] Rfc6238Table =
    [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];

    public static TheoryData<long, string, string, string> Rfc6238Vectors => new(Rfc6238Table);

    public static TheoryData<long, string> Rfc6238Sha1Vectors => new(Rfc6238Table.Select(v => (v.UnixSeconds, v.Sha1)));

    public static TheoryData<long, string> Rfc4226Vectors => new()
    {
        { 0, "755224" }, { 1, "287082" }, { 2, "359152" }, { 3, "969429" }, { 4, "338314" },
        { 5, "254676" }, { 6, "287922" }, { 7, "162583" }, { 8, "399871" }, { 9, "520489" },
    };

    [Theory]
    [MemberData(nameof(Rfc6238Sha1Vectors))]
    public void Current_Rfc6238Time_GivesSixDigitSuffixOfSha1Vector(long unixSeconds, string sha1)
    {
        var verifier = new TotpVerifier(ClockAt(unixSeconds));

        Assert.Equal(sha1[^6..], verifier.Current(Sha1Seed));
    }

    [Theory]
    [MemberData(nameof(Rfc6238Sha1Vectors))]
    public void Verify_Rfc6238Time_AcceptsSuffixAtThatStep(long unixSeconds, string sha1)
    {
        var verifier = new TotpVerifier(ClockAt(unixSeconds));

        var check = verifier.Verify(Sha1Seed, sha1[^6..], lastAcceptedStep: -1, window: 0);

        Assert.Equal(new TotpCheck(TotpOutcome.Accepted, unixSeconds / 30), check);
    }

    [Theory]
    [MemberData(nameof(Rfc6238Vectors))]
    public void OtpNetTotp_ConfiguredAsTheApp_GivesEightDigitVectorsOfAllModes(long unixSeconds, string sha1, string sha256, string sha512)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime;
        string Compute(byte[] seed, OtpHashMode mode) => new Totp(seed, TotpVerifier.StepSeconds, mode, totpSize: 8).ComputeTotp(at);

        Assert.Equal(sha1, Compute(Sha1Seed, OtpHashMode.Sha1));
        Assert.Equal(sha256, Compute(Sha256Seed, OtpHashMode.Sha256));
        Assert.Equal(sha512, Compute(Sha512Seed, OtpHashMode.Sha512));
    }

    [Theory]
    [MemberData(nameof(Rfc4226Vectors))]
    public void OtpNetHotp_Rfc4226Count_GivesVector(long count, string expected) =>
        Assert.Equal(expected, new Hotp(Sha1Seed).ComputeHOTP(count));

    [Theory]
    [MemberData(nameof(Rfc4226Vectors))]
    public void Current_StepEqualToHotpCount_GivesRfc4226Vector(long count, string expected)
    {
        // TOTP is HOTP with the time step as counter (RFC 6238 §4), so each HOTP vector is the app's code in step `count`.
        var verifier = new TotpVerifier(ClockAt(count * 30 + 29));

        Assert.Equal(expected, verifier.Current(Sha1Seed));
        Assert.Equal(TotpOutcome.Accepted, verifier.Verify(Sha1Seed, expected, -1, 0).Outcome);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Verify_WindowEdges_AcceptsExactlyWindowStepsEitherSide(int window)
    {
        var clock = ClockAt(1_000_000 * 30 + 15);
        var verifier = new TotpVerifier(clock);
        var now = 1_000_000L;

        for (var offset = -window - 2; offset <= window + 2; offset++)
        {
            var code = new Hotp(Sha1Seed).ComputeHOTP(now + offset);
            var check = verifier.Verify(Sha1Seed, code, lastAcceptedStep: -1, window);
            var inside = Math.Abs(offset) <= window;

            // Just outside the window a right code is not accepted; being within two hours, it says the clock is off.
            Assert.True(inside ? check == new TotpCheck(TotpOutcome.Accepted, now + offset) : check == new TotpCheck(TotpOutcome.ClockOff, now + offset, offset),
                $"window {window}, offset {offset}: {check}");
        }
    }

    [Fact]
    public void Verify_ClockCrossesStepBoundary_PreviousCodeExpiresExactlyOneWindowLater()
    {
        // The RFC's 1111111109 → 1111111111 pair straddles a step boundary at 1111111110.
        var clock = ClockAt(1111111109);
        var verifier = new TotpVerifier(clock);
        const string CodeOfStep37037036 = "081804";

        Assert.Equal(TotpOutcome.Accepted, verifier.Verify(Sha1Seed, CodeOfStep37037036, -1, window: 0).Outcome);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TotpOutcome.ClockOff, verifier.Verify(Sha1Seed, CodeOfStep37037036, -1, window: 0).Outcome);
        Assert.Equal(TotpOutcome.Accepted, verifier.Verify(Sha1Seed, CodeOfStep37037036, -1, window: 1).Outcome);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(TotpOutcome.Accepted, verifier.Verify(Sha1Seed, CodeOfStep37037036, -1, window: 1).Outcome);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TotpOutcome.ClockOff, verifier.Verify(Sha1Seed, CodeOfStep37037036, -1, window: 1).Outcome);
    }

    [Fact]
    public void Verify_StepAlreadyAccepted_IsReplayed()
    {
        var verifier = new TotpVerifier(ClockAt(59));

        var first = verifier.Verify(Sha1Seed, "287082", lastAcceptedStep: -1, window: 1);
        var second = verifier.Verify(Sha1Seed, "287082", lastAcceptedStep: first.Step, window: 1);

        Assert.Equal(new TotpCheck(TotpOutcome.Accepted, 1), first);
        Assert.Equal(new TotpCheck(TotpOutcome.Replayed, 1), second);
    }

    [Fact]
    public void Verify_OlderStepInsideWindowAfterNewerAccepted_IsReplayed()
    {
        // RFC 6238 §5.2: only steps later than the last accepted one; a future-step code burns the current one.
        var verifier = new TotpVerifier(ClockAt(1_000_000 * 30));
        var hotp = new Hotp(Sha1Seed);

        var future = verifier.Verify(Sha1Seed, hotp.ComputeHOTP(1_000_001), lastAcceptedStep: -1, window: 1);
        var current = verifier.Verify(Sha1Seed, hotp.ComputeHOTP(1_000_000), lastAcceptedStep: future.Step, window: 1);
        var past = verifier.Verify(Sha1Seed, hotp.ComputeHOTP(999_999), lastAcceptedStep: future.Step, window: 1);

        Assert.Equal(TotpOutcome.Accepted, future.Outcome);
        Assert.Equal(TotpOutcome.Replayed, current.Outcome);
        Assert.Equal(TotpOutcome.Replayed, past.Outcome);
    }

    [Theory]
    [InlineData("287082", "287082")]
    [InlineData(" 287 082 ", "287082")]
    [InlineData("287-082", "287082")]
    [InlineData("\t287082", "287082")]
    public void Normalize_AcceptedSpellings_GiveSixDigits(string input, string expected) =>
        Assert.Equal(expected, TotpVerifier.Normalize(input));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("      ")]
    [InlineData("28708")]
    [InlineData("2870821")]
    [InlineData("94287082")]
    [InlineData("28708a")]
    [InlineData("２８７０８２")]
    [InlineData("٢٨٧٠٨٢")]
    [InlineData("२८७०८२")]
    [InlineData("28708²")]
    [InlineData("+28708")]
    public void Normalize_NotSixAsciiDigits_ReturnsNull(string? input) => Assert.Null(TotpVerifier.Normalize(input));

    [Fact]
    public void Verify_TenKilobyteInput_IsMalformed()
    {
        var verifier = new TotpVerifier(ClockAt(59));

        Assert.Equal(TotpOutcome.Malformed, verifier.Verify(Sha1Seed, new string('2', 10_240), -1, 1).Outcome);
    }

    [Fact]
    public void OtpAuthUri_NewSecret_CarriesAppParameters()
    {
        var secret = TotpVerifier.NewSecret();

        var uri = TotpVerifier.OtpAuthUri(secret, "alice", "nas.local");

        Assert.Equal(20, secret.Length);
        Assert.StartsWith("otpauth://totp/NasDash%20%28nas.local%29:alice?", uri, StringComparison.Ordinal);
        Assert.Contains("&issuer=NasDash%20%28nas.local%29&", uri, StringComparison.Ordinal);
        Assert.Contains($"secret={TotpVerifier.ToBase32(secret)}&", uri, StringComparison.Ordinal);
        Assert.EndsWith("&algorithm=SHA1&digits=6&period=30", uri, StringComparison.Ordinal);
        Assert.Equal(secret, Base32Encoding.ToBytes(TotpVerifier.ToBase32(secret)));
    }

    private static FakeTimeProvider ClockAt(long unixSeconds) => new(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
}
