using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using NasDash.Features.Console;
using NasDash.Tests.TestSupport;
using Spectre.Console.Testing;

namespace NasDash.Tests.Features.Console;

/// <summary>The interactive menu driven key by key through Spectre's test console, on a store with no server.</summary>
public sealed class ConsoleMenuTests : IDisposable
{
    private readonly TempDataDirectory _data = new();
    private readonly TestConsole _console = new();

    public ConsoleMenuTests()
    {
        _console.Profile.Width = 160;
        _console.Interactive();
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow), TestAccounts.SuperLocked("bob", DateTimeOffset.UtcNow));
    }

    public void Dispose()
    {
        _console.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task Menu_UnlockConfirmed_UnlocksTheChosenAccount()
    {
        Choose(ConsoleMenu.MenuAction.Unlock);
        ChooseAccount(1);
        _console.Input.PushTextWithEnter("y");
        Choose(ConsoleMenu.MenuAction.Quit);

        var exit = await RunMenuAsync();

        Assert.Equal(0, exit);
        Assert.Contains("Unlocked bob (was SuperLocked)", _console.Output, StringComparison.Ordinal);
        using var store = _data.OpenStore();
        var bob = store.FindByName("bob")!;
        Assert.Equal((AccountState.Normal, true, false), (bob.State, bob.MustEnrol, bob.SecondFactor.HasTotp));
        Assert.True(store.FindByName("alice")!.SecondFactor.IsEnrolled);
    }

    [Fact]
    public async Task Menu_UnlockDeclined_ChangesNothing()
    {
        Choose(ConsoleMenu.MenuAction.Unlock);
        ChooseAccount(1);
        _console.Input.PushTextWithEnter("n");
        Choose(ConsoleMenu.MenuAction.Quit);

        Assert.Equal(0, await RunMenuAsync());

        using var store = _data.OpenStore();
        Assert.Equal(AccountState.SuperLocked, store.FindByName("bob")!.State);
        Assert.Equal(0, store.Count(new AuditQuery(EventPrefix: "console.")));
    }

    [Fact]
    public async Task Menu_ResetPasswordTypedTwice_ChangesPasswordWithoutEchoingIt()
    {
        Choose(ConsoleMenu.MenuAction.ResetPassword);
        ChooseAccount(0);
        _console.Input.PushTextWithEnter("y");
        _console.Input.PushTextWithEnter("a new long passphrase");
        _console.Input.PushTextWithEnter("a new long passphrase");
        Choose(ConsoleMenu.MenuAction.Quit);

        Assert.Equal(0, await RunMenuAsync());

        Assert.DoesNotContain("a new long passphrase", _console.Output, StringComparison.Ordinal);
        Assert.Contains("Password of alice changed", _console.Output, StringComparison.Ordinal);
        using var store = _data.OpenStore();
        Assert.Equal(PasswordCheck.Succeeded, TestAccounts.Hashing.Verify(store.FindByName("alice"), "a new long passphrase"));
    }

    [Fact]
    public async Task Menu_ResetPasswordTooShort_SaysWhyAsksAgainAndEchoesNoMask()
    {
        Choose(ConsoleMenu.MenuAction.ResetPassword);
        ChooseAccount(0);
        _console.Input.PushTextWithEnter("y");
        _console.Input.PushTextWithEnter("short");
        _console.Input.PushTextWithEnter("a new long passphrase");
        _console.Input.PushTextWithEnter("a new long passphrase");
        Choose(ConsoleMenu.MenuAction.Quit);

        Assert.Equal(0, await RunMenuAsync());

        Assert.Contains($"Use at least {NewPasswordValidator.MinLength} characters.", _console.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("*****", _console.Output, StringComparison.Ordinal);
        Assert.Contains("Password of alice changed", _console.Output, StringComparison.Ordinal);
        using var store = _data.OpenStore();
        Assert.Equal(PasswordCheck.Succeeded, TestAccounts.Hashing.Verify(store.FindByName("alice"), "a new long passphrase"));
    }

    [Fact]
    public async Task Menu_ResetPasswordTypedDifferently_ChangesNothing()
    {
        Choose(ConsoleMenu.MenuAction.ResetPassword);
        ChooseAccount(0);
        _console.Input.PushTextWithEnter("y");
        _console.Input.PushTextWithEnter("a new long passphrase");
        _console.Input.PushTextWithEnter("a new long passphrasf");
        Choose(ConsoleMenu.MenuAction.Quit);

        Assert.Equal(0, await RunMenuAsync());

        Assert.Contains("do not match", _console.Output, StringComparison.Ordinal);
        using var store = _data.OpenStore();
        Assert.Equal(PasswordCheck.Succeeded, TestAccounts.Hashing.Verify(store.FindByName("alice"), TestPasswords.Default));
    }

    private void Choose(ConsoleMenu.MenuAction action)
    {
        for (var i = 0; i < (int)action; i++)
        {
            _console.Input.PushKey(ConsoleKey.DownArrow);
        }

        _console.Input.PushKey(ConsoleKey.Enter);
    }

    /// <summary>Accounts are listed by name: alice is 0, bob is 1.</summary>
    private void ChooseAccount(int index)
    {
        for (var i = 0; i < index; i++)
        {
            _console.Input.PushKey(ConsoleKey.DownArrow);
        }

        _console.Input.PushKey(ConsoleKey.Enter);
    }

    private async Task<int> RunMenuAsync()
    {
        IHostEnvironment environment = new HostingEnvironment { EnvironmentName = "Testing", ContentRootPath = _data.Path };
        await using var channel = await AdministrationChannel.OpenAsync(_data.Path, SandboxedSsh(), environment, TestContext.Current.CancellationToken);
        return await new ConsoleMenu(_console, channel, "root").RunAsync(TestContext.Current.CancellationToken);
    }

    private IConfiguration SandboxedSsh() =>
        new ConfigurationBuilder().AddInMemoryCollection(TestCore.SshSandbox(_data.Path).ToDictionary(p => p.Key, p => (string?)p.Value)).Build();
}
