
namespace NasDash.Tests.Security;

public sealed class UntrustedTextTests
{
    [Theory]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("a\0b", @"a\0b")]
    [InlineData("a\tb", @"a\tb")]
    [InlineData("\u001b[31mred", @"\x1b[31mred")]
    [InlineData("a\u2028b\u2029c", @"a\u2028b\u2029c")]
    [InlineData("a\u0085b", @"a\x85b")]
    [InlineData("\u202Eevil", @"\u202eevil")]
    [InlineData("zero\u200Bwidth", @"zero\u200bwidth")]
    [InlineData("tag\U000E0041", @"tag\u{e0041}")]
    [InlineData(@"already\n", @"already\\n")]
    [InlineData("plain text, ÄÖÜ, 名前 and 🔑", "plain text, ÄÖÜ, 名前 and 🔑")]
    public void Escape_InvisibleCharacters_MadeVisibleAndBackslashesDoubled(string text, string expected) =>
        Assert.Equal(expected, UntrustedText.Escape(text));

    [Fact]
    public void Escape_LoneSurrogate_Visible() => Assert.Equal(@"lone\ud800", UntrustedText.Escape("lone" + (char)0xD800));

    [Fact]
    public void Token_SpacesOfAnyKind_EscapedSoTheFieldStaysOneToken() =>
        Assert.Equal(@"g\x20client=10.44.44.44\xa0x\u3000y", UntrustedText.Token("g client=10.44.44.44\u00a0x\u3000y"));

    [Theory]
    [InlineData("YubiKey 5", false)]
    [InlineData("Schlüssel 🔑", false)]
    [InlineData(@"back\slash", false)]
    [InlineData("two\nlines", true)]
    [InlineData("esc\u001b", true)]
    [InlineData("sep\u2028", true)]
    [InlineData("rtl\u202E", true)]
    public void HasControlCharacters_OnlyForInvisibleCharacters(string text, bool expected) =>
        Assert.Equal(expected, UntrustedText.HasControlCharacters(text));
}
