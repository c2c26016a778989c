using Microsoft.AspNetCore.Http;

namespace NasDash.Tests.Sessions;

public sealed class BrowserDeviceTests
{
    private static readonly Guid Alice = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public void Read_PlantedCookiesSentFirst_KeepsEveryValueOfTheAccountsOwnName()
    {
        var http = Request(false,
            string.Join("; ", Enumerable.Range(0, 8).Select(i => $"nasdash.device.junk{i}=junk{i}")) +
            $"; nasdash.device.{Alice:N}=planted; other=1; nasdash.device.{Alice:N}=real");

        var values = BrowserDevice.Read(http).For(Alice);

        Assert.Equal(["planted", "real"], values);
    }

    [Fact]
    public void Read_OverHttps_CountsOnlyHostPrefixedCookies()
    {
        var http = Request(true, $"nasdash.device.{Alice:N}=planted-over-http; __Host-nasdash.device.{Alice:N}=real");

        Assert.Equal(["real"], BrowserDevice.Read(http).For(Alice));
    }

    [Fact]
    public void Read_MalformedCookiesBesideTheRealOne_DoNotHideIt()
    {
        var http = Request(false, $"nasdash.device.junk=\"unterminated; ==; nasdash.device.{Alice:N}=real; \u00e9=x");

        Assert.Contains("real", BrowserDevice.Read(http).For(Alice));
    }

    private static DefaultHttpContext Request(bool https, string cookieHeader)
    {
        var http = new DefaultHttpContext();
        http.Request.IsHttps = https;
        http.Request.Headers.Cookie = cookieHeader;
        return http;
    }
}
