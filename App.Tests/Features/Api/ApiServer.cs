using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Api;

/// <summary>The real app with administrators seeded, and tokens minted through the same step-up and service as /account.</summary>
public static class ApiServer
{
    public static async Task<string> MintAsync(AppServer server, SeededAdmin admin, ApiScopes scopes, string name = "script", int days = 90)
    {
        var time = server.Get<TimeProvider>();
        var code = await admin.NextCodeAsync(time);
        Assert.Equal(StepUpOutcome.Accepted, await server.Get<StepUp>().VerifyAsync(admin.Id, code, ApiTokens.CreatePurpose, "127.0.0.1"));
        var minted = Assert.IsType<ApiTokenMinting.Minted>(server.Get<ApiTokens>().Mint(admin.Id, name, scopes, days, "127.0.0.1"));
        return minted.Token;
    }

    /// <summary>A client like curl: no cookies, no redirects followed.</summary>
    public static HttpClient Client(AppServer server, string? token)
    {
        var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    public static SeededAdmin Seed(AppServer server, string userName) => TestAdministrators.Seed(server.Services, userName);

    public static Alert RaiseAlert(AppServer server, string key = "test-alert") =>
        server.Services.GetRequiredService<IAlertStore>().Raise(key, AlertSeverity.Warning, "Something to look at", null);
}
