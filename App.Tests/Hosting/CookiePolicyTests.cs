using Microsoft.Extensions.Hosting.Internal;
using NasDash.Hosting;

namespace NasDash.Tests.Hosting;

/// <summary>Whether cookies need https is a setting, not a guess from the environment's name.</summary>
public sealed class CookiePolicyTests
{
    [Theory]
    [InlineData("Production", null, true)]
    [InlineData("Testing", null, true)]
    [InlineData("Staging", null, true)]
    [InlineData("Development", null, false)]
    [InlineData("Production", false, false)]
    [InlineData("Development", true, true)]
    public void CookiesRequireHttps_UnsetMeansEverywhereButDevelopment(string environmentName, bool? configured, bool expected)
    {
        var session = new SessionOptions { SecureCookies = configured };

        Assert.Equal(expected, session.CookiesRequireHttps(new HostingEnvironment { EnvironmentName = environmentName }));
    }
}
