using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

public sealed class BrowserCeremonyErrorTests
{
    [Theory]
    [InlineData("NotAllowedError", "NotAllowedError")]
    [InlineData("InvalidStateError", "InvalidStateError")]
    [InlineData("AbortError", "AbortError")]
    [InlineData("SecurityError", "SecurityError")]
    [InlineData("NotSupportedError", "NotSupportedError")]
    [InlineData("ConstraintError", "ConstraintError")]
    [InlineData("UnknownError", "UnknownError")]
    [InlineData(" NotAllowedError ", "NotAllowedError")]
    [InlineData("notallowederror", "other")]
    [InlineData("x\nsecurity login.password failed user=g client=10.44.44.44", "other")]
    [InlineData("NotAllowedError\nsecurity login.password failed", "other")]
    [InlineData("", "other")]
    [InlineData(null, "other")]
    public void Name_BrowserText_OneOfTheDomExceptionNamesElseOther(string? browserError, string expected) =>
        Assert.Equal(expected, BrowserCeremonyError.Name(browserError));

    [Theory]
    [InlineData("YubiKey\nsecurity login.password failed user=g client=10.44.44.44")]
    [InlineData("ke\ry")]
    [InlineData("key\u001b[2J")]
    [InlineData("key\u2028two")]
    [InlineData("key\0")]
    public void SecurityKeyName_WithAControlCharacter_RefusedWithItsReason(string name)
    {
        Assert.Null(SecurityKey.NormalizeName(name));
        Assert.Equal("A key's name cannot hold control characters or line breaks.", SecurityKey.NameProblem(name));
    }

    [Fact]
    public void SecurityKeyName_Ordinary_Accepted()
    {
        Assert.Equal("YubiKey 5 — Schlüssel 🔑", SecurityKey.NormalizeName("  YubiKey 5 — Schlüssel 🔑 "));
        Assert.Null(SecurityKey.NameProblem("YubiKey 5"));
    }

    [Fact]
    public async Task CeremonyFailed_ForgedBrowserMessage_AuditedAsOtherNeverAsItsText()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        harness.Get<SecurityKeySignIn>().CeremonyFailed(await harness.ChallengeAsync(alice), "x\nsecurity login.password failed user=g client=10.44.44.44", "192.0.2.50");

        var entry = Assert.Single(harness.AuditOf("alice", AuditNames.LoginSecurityKey.Id));
        Assert.Equal(("cancelled", "other", "192.0.2.50"), (entry.Outcome, entry.Detail, entry.ClientAddress));
    }
}
