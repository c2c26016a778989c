using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NasDash.Features.Login;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Login;

public sealed class LoginServiceTests : IDisposable
{
    private readonly TestCore _core = new();
    private readonly ServiceProvider _services;
    private readonly SeededAccount _alice;

    public LoginServiceTests()
    {
        var services = new ServiceCollection();
        _core.AddTo(services, new FakeTimeProvider(new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero)));
        services.AddLogin();
        services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        services.AddScoped<ClientAddress>();
        services.AddScoped<BrowserDevice>();
        _services = services.BuildServiceProvider();
        _alice = SeededAccounts.Create(_services, "alice");
    }

    public void Dispose()
    {
        _services.Dispose();
        _core.Dispose();
    }

    [Fact]
    public async Task SubmitPasswordAsync_ManyFailuresFromOneAddressAcrossUserNames_PauseThatAddressEvenForACorrectPassword()
    {
        var attacker = LoginFrom("203.0.113.5");
        for (var i = 0; i < AddressThrottle.FailureBurst; i++)
        {
            Assert.IsType<PasswordStepResult.InvalidCredentials>(await attacker.SubmitPasswordAsync($"guess{i}", "password", TestContext.Current.CancellationToken));
        }

        var paused = await attacker.SubmitPasswordAsync("alice", _alice.Password, TestContext.Current.CancellationToken);
        var elsewhere = await LoginFrom("203.0.113.77").SubmitPasswordAsync("alice", _alice.Password, TestContext.Current.CancellationToken);

        Assert.IsType<PasswordStepResult.Throttled>(paused);
        Assert.IsType<PasswordStepResult.SecondFactorRequired>(elsewhere);
    }

    [Fact]
    public async Task SubmitPasswordAsync_Failure_IsAuditedWithTheClientAddress()
    {
        await LoginFrom("203.0.113.5").SubmitPasswordAsync("alice", "wrong", TestContext.Current.CancellationToken);

        var entry = Assert.Single(_services.GetRequiredService<IAuditLog>().Query(new AuditQuery(EventPrefix: "login.password")));
        Assert.Equal("203.0.113.5", entry.ClientAddress);
        Assert.Equal("failed", entry.Outcome);
    }

    private LoginService LoginFrom(string address)
    {
        var scope = _services.CreateScope();
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        scope.ServiceProvider.GetRequiredService<IHttpContextAccessor>().HttpContext = http;
        return scope.ServiceProvider.GetRequiredService<LoginService>();
    }
}
