using NasDash.Security;

namespace NasDash.Tests.Security;

public class BackupCodesTests
{
    [Theory]
    [InlineData("abcd-efgh-jkmn", "ABCDEFGHJKMN")]
    [InlineData(" ABCD EFGH JKMN ", "ABCDEFGHJKMN")]
    [InlineData("o0il-1234-5678", "001112345678")]
    public void Normalize_AcceptedSpellings_GiveCanonicalCode(string input, string expected) =>
        Assert.Equal(expected, BackupCodes.Normalize(input));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ABCD-EFGH-JKM")]
    [InlineData("ABCD-EFGH-JKMNP")]
    [InlineData("ABCD-EFGH-JKMU")]
    [InlineData("ABCD-EFGH-JKM٣")]
    public void Normalize_NotACode_ReturnsNull(string input) => Assert.Null(BackupCodes.Normalize(input));

    [Fact]
    public void Normalize_HugeInput_ReturnsNull() => Assert.Null(BackupCodes.Normalize(new string('A', 10_000)));
}
