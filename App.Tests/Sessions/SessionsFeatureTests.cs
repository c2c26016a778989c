
namespace NasDash.Tests.Sessions;

public sealed class SessionsFeatureTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/users?tab=2", "/users?tab=2")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("users", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example", "/")]
    [InlineData("/redirect?to=https://evil.example", "/")]
    [InlineData("/a\r\nLocation: x", "/")]
    public void LocalOnly_ReturnUrl_KeepsOnlyPathsOnThisSite(string? returnUrl, string expected) =>
        Assert.Equal(expected, SessionsFeature.LocalOnly(returnUrl));
}
