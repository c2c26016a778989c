using System.Net;
using NasDash.Tests.Browser;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Sessions;

/// <summary>A session whose password change is due, over HTTP without a browser: only "My account" answers.</summary>
public sealed class PasswordChangePolicyTests : IDisposable
{
    private readonly AppServer _server = new();
    private readonly SeededAccount _alice;

    public PasswordChangePolicyTests()
    {
        _alice = SeededAccounts.Create(_server.Services, "alice");
        TestAdministrators.Adjust(_server.Services, _alice.Id, a => a.RequirePasswordChange());
    }

    public void Dispose() => _server.Dispose();

    [Theory]
    [InlineData("/")]
    [InlineData("/users")]
    [InlineData("/services/ssh")]
    [InlineData("/settings/two-factor")]
    [InlineData("/audit")]
    public async Task DirectNavigation_PasswordChangeDue_RedirectsToMyAccount(string path)
    {
        using var http = await SignedInClientAsync();

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account", new Uri(new Uri(_server.BaseUrl), response.Headers.Location!).AbsolutePath);
    }

    [Fact]
    public async Task DirectNavigation_PasswordChangeDue_MyAccountAnswers()
    {
        using var http = await SignedInClientAsync();

        using var response = await http.GetAsync(new Uri("/account", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DirectNavigation_NoPasswordChangeDue_ReachesTheUsersPage()
    {
        using var http = await SignedInClientAsync(SeededAccounts.Create(_server.Services, "bob"));

        using var response = await http.GetAsync(new Uri("/users", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HttpClient> SignedInClientAsync(SeededAccount? account = null)
    {
        var http = HttpSignIn.Browserless(_server);
        using var response = await HttpSignIn.RedeemAsync(_server.Services, http, await HttpSignIn.TicketAsync(_server, account ?? _alice, DateTimeOffset.UtcNow), "/account");
        Assert.Equal("/account", response.Headers.Location?.OriginalString);
        return http;
    }
}
