using System.Diagnostics;

namespace NasDash.Tests.Features.Console;

/// <summary>
/// The menu in a real pseudo-terminal (tmux), as on the appliance's console: arrow keys, confirmation,
/// and a password typed twice that never appears on the screen.
/// </summary>
public sealed class ConsoleMenuTerminalTests : IDisposable
{
    private const string NewPassword = "tmux typed passphrase";
    private readonly TempDataDirectory _data = new();
    private readonly string _tmuxSocket = "nasdash-test-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        Tmux("kill-server");
        _data.Dispose();
    }

    [Fact]
    public async Task Menu_InTerminal_UnlocksAccountAndResetsPasswordWithoutEcho()
    {
        RequireTmux();
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow), TestAccounts.SuperLocked("bob", DateTimeOffset.UtcNow));
        var command = $"'{NasDashProcess.DotnetHost}' '{NasDashProcess.Dll}' console --data '{_data.Path}'; echo \"MENU-EXIT=$?\"; sleep 60";
        Tmux("new-session", "-d", "-s", "menu", "-x", "120", "-y", "60", command);

        await ScreenShowsAsync("What do you want to do?");
        Keys("Enter");
        await ScreenShowsAsync("Unlock which account?");
        Keys("Down", "Enter");
        await ScreenShowsAsync("[y/n]");
        Keys("y", "Enter");
        await ScreenShowsAsync("Unlocked bob (was SuperLocked)");

        Keys("Down", "Enter");
        await ScreenShowsAsync("Reset the password of which account?");
        Keys("Enter");
        await ScreenShowsAsync("Set a new password for alice?");
        Keys("y", "Enter");
        await ScreenShowsAsync("New password for alice:");
        Keys("-l", NewPassword);
        Keys("Enter");
        await ScreenShowsAsync("The same password again:");
        Keys("-l", NewPassword);
        Keys("Enter");
        await ScreenShowsAsync("Password of alice changed");

        Keys("Down", "Down", "Down", "Down", "Enter");
        var screen = await ScreenShowsAsync("MENU-EXIT=");

        Assert.Contains("MENU-EXIT=0", screen, StringComparison.Ordinal);
        Assert.DoesNotContain(NewPassword, screen, StringComparison.Ordinal);
        using var store = _data.OpenStore();
        Assert.Equal((AccountState.Normal, true), (store.FindByName("bob")!.State, store.FindByName("bob")!.MustEnrol));
        Assert.Equal(PasswordCheck.Succeeded, TestAccounts.Hashing.Verify(store.FindByName("alice"), NewPassword));
    }

    private void Keys(params string[] keys) => Tmux(["send-keys", "-t", "menu", .. keys]);

    /// <summary>Waits until the pane (with its scrollback) shows the text; returns the whole screen.</summary>
    private async Task<string> ScreenShowsAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var screen = "";
        while (DateTime.UtcNow < deadline)
        {
            screen = Tmux("capture-pane", "-p", "-J", "-t", "menu", "-S", "-500");
            if (screen.Contains(text, StringComparison.Ordinal))
            {
                return screen;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"The terminal never showed \"{text}\". Screen:\n{screen}");
    }

    private string Tmux(params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(_tmuxSocket);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("NasDash__DataDirectory");
        info.Environment.Remove("TMUX");
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    /// <summary>In CI a missing tmux is a failure; on a developer machine the test is skipped.</summary>
    private static void RequireTmux()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "tmux")));
        if (found)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("tmux is missing; CI must install Debian's tmux (.ci/run does).");
        }

        Assert.Skip("tmux is not installed (apt-get install tmux).");
    }
}
