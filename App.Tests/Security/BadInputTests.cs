using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// Hostile or broken input on every sign-in path: a clear refusal, no exception, and counters that move only as the
/// rules say (a malformed second factor is not a guess; a well-formed wrong password is).
/// </summary>
public class BadInputTests
{
    private const string TenKilobytes = "10 kB";

    private static readonly Dictionary<string, string?> NotSixDigits = new(StringComparer.Ordinal)
    {
        ["null"] = null,
        ["empty"] = "",
        ["whitespace"] = " \t  ",
        [TenKilobytes] = new string('7', 10_240),
        ["arabic-indic digits"] = "١٢٣٤٥٦",
        ["fullwidth digits"] = "１２３４５６",
        ["devanagari digits"] = "१२३४५६",
        ["superscript digits"] = "¹²³⁴⁵⁶",
        ["five digits"] = "12345",
        ["seven digits"] = "1234567",
        ["eight digits"] = "12345678",
        ["letters"] = "abcdef",
        ["NUL inside"] = "123\0456",
        ["right-to-left override"] = "\u202E123456",
    };

    private static readonly Dictionary<string, string?> NotACode = new(StringComparer.Ordinal)
    {
        ["null"] = null,
        ["empty"] = "",
        ["whitespace"] = " \t  ",
        [TenKilobytes] = string.Concat(Enumerable.Repeat("ABCD-", 2_048)),
        ["eleven characters"] = "ABCD-EFGH-JKM",
        ["thirteen characters"] = "ABCD-EFGH-JKMNP",
        ["fifteen characters"] = "ABCD-EFGH-JKMN-PQR",
        ["seventeen characters"] = "ABCD-EFGH-JKMN-PQRST",
        ["U is not Crockford, sixteen characters"] = "ABCD-EFGH-JKMN-PQRU",
        ["U is not Crockford"] = "ABCD-EFGH-JKMU",
        ["arabic-indic digit"] = "ABCD-EFGH-JKM٣",
        ["fullwidth letters"] = "ＡＢＣＤ-ＥＦＧＨ-ＪＫＭＮ",
        ["dotless i upper-cases to I"] = "ıııı-ıııı-ıııı",
        ["long s upper-cases to S"] = "ſſſſ-ſſſſ-ſſſſ",
        ["six TOTP digits"] = "123456",
    };

    public static TheoryData<string> NotSixDigitsNames => new(NotSixDigits.Keys);

    public static TheoryData<string> NotACodeNames => new(NotACode.Keys);

    public static TheoryData<string, bool> BadPasswords => new()
    {
        { "null", false },
        { "empty", false },
        { TenKilobytes, false },
        { "whitespace", true },
        { "non-ASCII", true },
        { "NUL inside", true },
    };

    public static TheoryData<string> BadUserNames => new() { "null", "empty", "whitespace", TenKilobytes, "65 characters", "non-ASCII", "NUL inside" };

    [Theory]
    [MemberData(nameof(NotSixDigitsNames))]
    public async Task SubmitTotp_NotSixAsciiDigits_MalformedAndNotCounted(string input)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);

        var result = await harness.SignIn.SubmitTotpAsync(challenge, NotSixDigits[input], null, TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.Malformed>(result);
        Assert.Equal((0, 0, 0, AccountState.Normal), Counters(harness.Stored(alice)));
        Assert.IsType<SecondFactorResult.SignedIn>(await harness.SignIn.SubmitTotpAsync(challenge, harness.NextCode(alice), null, TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(NotSixDigitsNames))]
    public async Task StepUp_NotSixAsciiDigits_MalformedAndNotCounted(string input)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        var outcome = await harness.StepUp.VerifyAsync(alice.Id, NotSixDigits[input], StepUpPurpose.EnableSsh, null, TestContext.Current.CancellationToken);

        Assert.Equal(StepUpOutcome.Malformed, outcome);
        Assert.Equal((0, 0, 0, AccountState.Normal), Counters(harness.Stored(alice)));
    }

    [Theory]
    [MemberData(nameof(NotSixDigitsNames))]
    public void EnrolmentVerifyTotp_NotSixAsciiDigits_MalformedAndNotVerified(string input)
    {
        using var harness = new CoreHarness();
        var enrolment = harness.Enrolments.Start("alice");

        var outcome = harness.Enrolments.VerifyTotp(enrolment, NotSixDigits[input]);

        Assert.Equal(TotpOutcome.Malformed, outcome);
        Assert.False(enrolment.TotpVerified);
    }

    [Theory]
    [MemberData(nameof(NotACodeNames))]
    public async Task SubmitBackupCodes_OneCodeNotACode_MalformedNotCountedNoRecoveryStarted(string input)
    {
        using var harness = new CoreHarness(new TwoFactorSettings { RequiredCodesAtRecovery = 2 });
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);

        var result = await harness.SignIn.SubmitBackupCodesAsync(challenge, [alice.BackupCodes[0], NotACode[input]], null, TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.Malformed>(result);
        Assert.Equal((0, 0, 0, AccountState.Normal), Counters(harness.Stored(alice)));
        Assert.Empty(harness.Lockouts.Events);
        Assert.Equal(alice.BackupCodes.Count, harness.Stored(alice).SecondFactor.BackupCodesInSet);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1_000)]
    public async Task SubmitBackupCodes_WrongNumberOfCodes_MalformedAndNotCounted(int count)
    {
        using var harness = new CoreHarness(new TwoFactorSettings { RequiredCodesAtRecovery = 2, CodesPerUser = 5 });
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);
        var codes = Enumerable.Range(0, count).Select(i => (string?)alice.BackupCodes[i % alice.BackupCodes.Count]).ToList();

        var result = await harness.SignIn.SubmitBackupCodesAsync(challenge, codes, null, TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.Malformed>(result);
        Assert.Equal((0, 0, 0, AccountState.Normal), Counters(harness.Stored(alice)));
    }

    [Theory]
    [InlineData("ABCD-EFGH-JKMN", "abcd efgh jkmn")]
    [InlineData("0000-1111-2222", "OOOO-IIII-2222")]
    [InlineData("ABCD-EFGH-JKMN-PQRS", "abcd efgh jkmn pqrs")]
    [InlineData("0000-1111-1111-3333", "OOOO-IIII-LLLL-3333")]
    public async Task SubmitBackupCodes_SameCodeTwiceInOtherSpelling_MalformedAndNotCounted(string code, string sameCode)
    {
        using var harness = new CoreHarness(new TwoFactorSettings { RequiredCodesAtRecovery = 2 });
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);

        var result = await harness.SignIn.SubmitBackupCodesAsync(challenge, [code, sameCode], null, TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.Malformed>(result);
        Assert.Equal((0, 0, 0, AccountState.Normal), Counters(harness.Stored(alice)));
    }

    [Theory]
    [MemberData(nameof(NotACodeNames))]
    public void BackupCodesNormalize_NotACode_ReturnsNull(string input) => Assert.Null(BackupCodes.Normalize(NotACode[input]));

    [Theory]
    [MemberData(nameof(BadPasswords))]
    public async Task SubmitPassword_BadPasswordForKnownUser_RefusedCountedOnlyIfWellFormed(string input, bool counted)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var password = input switch
        {
            "null" => null,
            "empty" => "",
            TenKilobytes => new string('p', 10_240),
            "whitespace" => "   ",
            "non-ASCII" => "пароль-ʕ•ᴥ•ʔ-密码",
            _ => "correct\0horse",
        };

        var result = await harness.SignIn.SubmitPasswordAsync("alice", password, null, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordStepResult.InvalidCredentials>(result);
        Assert.Equal((counted ? 1 : 0, 0, 0, AccountState.Normal), Counters(harness.Stored(alice)));
    }

    [Theory]
    [MemberData(nameof(BadUserNames))]
    public async Task SubmitPassword_BadUserName_InvalidCredentialsAndNoAccountTouched(string input)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var userName = input switch
        {
            "null" => null,
            "empty" => "",
            "whitespace" => " \t ",
            TenKilobytes => new string('a', 10_240),
            "65 characters" => new string('a', 65),
            "non-ASCII" => "ålice",
            _ => "alice\0",
        };

        var result = await harness.SignIn.SubmitPasswordAsync(userName, alice.Password, null, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordStepResult.InvalidCredentials>(result);
        Assert.Equal((0, 0, 0, AccountState.Normal), Counters(harness.Stored(alice)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("no-such-challenge")]
    public async Task SecondFactor_UnknownChallenge_ChallengeExpiredAndNotCounted(string challenge)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var huge = new string('x', 10_240);

        Assert.IsType<SecondFactorResult.ChallengeExpired>(await harness.SignIn.SubmitTotpAsync(challenge, harness.CodeAt(alice, 0), null, TestContext.Current.CancellationToken));
        Assert.IsType<SecondFactorResult.ChallengeExpired>(await harness.SignIn.SubmitTotpAsync(huge, harness.CodeAt(alice, 0), null, TestContext.Current.CancellationToken));
        Assert.IsType<SecondFactorResult.ChallengeExpired>(await harness.SignIn.SubmitBackupCodesAsync(challenge, alice.Codes(2), null, TestContext.Current.CancellationToken));
        Assert.Null(harness.Pending.RedeemTicket(challenge));
        Assert.Equal((0, 0, 0, AccountState.Normal), Counters(harness.Stored(alice)));
    }

    [Fact]
    public async Task SecondFactor_ChallengeOlderThanItsLifetime_ChallengeExpiredAndNotCounted()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var challenge = await harness.ChallengeAsync(alice);
        harness.Time.Advance(PendingSignIns.ChallengeLifetime);

        var result = await harness.SignIn.SubmitTotpAsync(challenge, harness.WrongCode(alice), null, TestContext.Current.CancellationToken);

        Assert.IsType<SecondFactorResult.ChallengeExpired>(result);
        Assert.Equal(0, harness.Stored(alice).TotpFailures);
    }

    private static (int Password, int Totp, int Backup, AccountState State) Counters(Account account) =>
        (account.PasswordFailures, account.TotpFailures, account.BackupFailures, account.State);
}
