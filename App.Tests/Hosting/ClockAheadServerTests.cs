using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Tests.Features.Console;
using NasDash.Tests.Features.Ssh;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

/// <summary>
/// Issue 28 end to end: the real server process with its clock an hour ahead (Debian's faketime, libfaketime, in the
/// server process only), the owner's phone right. Right codes are refused with the clock's message and never counted.
/// </summary>
public sealed class ClockAheadServerTests : IDisposable
{
    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ServerClockAnHourAhead_RightCodesFromARightPhone_RefusedWithTheClockMessageAndNoRecovery()
    {
        if (HostTools.Find("faketime") is null)
        {
            const string missing = "faketime is missing (Debian package faketime)";
            if (HostTools.InCi)
            {
                Assert.Fail($"CI=true but {missing}");
            }

            Assert.Skip(missing);
        }

        SeededAdmin alice;
        int tries;
        await using (var seeding = new NasDashServer(_data.Path))
        {
            alice = TestAdministrators.Seed(seeding.Services, "alice");
            var settings = seeding.Services.GetRequiredService<ISettingsStore>();
            var current = settings.Get();
            current.SetupCompleted = true;
            settings.Save(current);
            tries = current.TwoFactor.TotpFailuresBeforeRecovery + 2;
        }

        // Only the wall clock is set ahead, as NTP or an administrator would; monotonic time runs on.
        using var server = NasDashProcess.StartServer(_data.Path, ["faketime", "-f", "+1h"],
            new Dictionary<string, string> { ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1" });
        try
        {
            await WaitForServerAsync(server);
            for (var i = 0; i < tries; i++)
            {
                var phone = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / TotpVerifier.StepSeconds;
                var refused = await NasDashProcess.ConsoleAsync(["ssh-code", "alice", "--data", _data.Path], _data.Path, stdin: alice.CodeAt(phone) + "\n");

                Assert.NotEqual(0, refused.Exit);
                Assert.Matches("That code was right for a time about (59 min|1 h 0 min) behind the appliance's clock, so it is refused \\(not counted\\)", refused.Output + refused.Error);
            }

            var account = (await StatusAsync()).GetProperty("accounts")[0];
            Assert.Equal("Normal", account.GetProperty("state").GetString());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private async Task<JsonElement> StatusAsync()
    {
        var status = await NasDashProcess.ConsoleAsync(["status", "--json", "--data", _data.Path], _data.Path);
        Assert.True(status.Exit == 0, status.Error);
        using var json = JsonDocument.Parse(status.Output);
        return json.RootElement.Clone();
    }

    private async Task WaitForServerAsync(System.Diagnostics.Process server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(server.HasExited, "the server exited during start-up");
            if (File.Exists(_data.SocketPath) && (await StatusAsync()).GetProperty("via").GetString() == "server")
            {
                return;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("The server did not open its console socket within 90 s.");
    }
}
