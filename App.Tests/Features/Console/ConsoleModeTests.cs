using System.Net.Sockets;
using System.Text.Json;
using NasDash.Features.Console;
using Spectre.Console.Testing;

namespace NasDash.Tests.Features.Console;

/// <summary>The verbs run in-process on a store with no server (the direct path), with captured streams.</summary>
public sealed class ConsoleModeTests : IDisposable
{
    private readonly TempDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Unlock_SuperLockedUser_Exit0AndAccountMustEnrol()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.SuperLocked("alice", DateTimeOffset.UtcNow));

        var run = await RunAsync("console", "unlock", "alice", "--data", _data.Path);

        Assert.Equal((0, ""), (run.Exit, run.Error));
        Assert.StartsWith("Unlocked alice (was SuperLocked).", run.Output, StringComparison.Ordinal);
        using var store = _data.OpenStore();
        var alice = store.FindByName("alice")!;
        Assert.Equal((AccountState.Normal, true, false), (alice.State, alice.MustEnrol, alice.SecondFactor.HasTotp));
        Assert.Contains("(uid ", store.Query(new AuditQuery(EventPrefix: "console.unlock"))[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlock_UnknownUser_Exit1WithOneLineReason()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));

        var run = await RunAsync("console", "unlock", "mallory", "--data", _data.Path);

        Assert.Equal(1, run.Exit);
        Assert.Equal("nasdash console: There is no administrator named 'mallory'.", run.Error.TrimEnd());
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Unlock_Twice_PrintsANewEnrolmentCodeOnALineOfItsOwnEachTime()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.SuperLocked("alice", DateTimeOffset.UtcNow));
        var first = await RunAsync("console", "unlock", "alice", "--data", _data.Path);

        var second = await RunAsync("console", "unlock", "alice", "--data", _data.Path);

        var line = new System.Text.RegularExpressions.Regex(@"^Enrolment code for alice: (\w{4}-\w{4}-\w{4}-\w{4}) \(valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.Equal((0, 0), (first.Exit, second.Exit));
        Assert.NotEqual(line.Match(first.Output).Groups[1].Value, line.Match(second.Output).Groups[1].Value);
        Assert.True(line.IsMatch(second.Output), second.Output);
    }

    [Theory]
    [InlineData("console", "unlock")]
    [InlineData("console", "reset-password")]
    [InlineData("console", "unlock", "alice", "bob")]
    [InlineData("console", "frobnicate")]
    [InlineData("console", "status", "--data")]
    public async Task Verb_BadUsage_Exit2WithOneLineError(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(2, run.Exit);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
        Assert.Contains("--help", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("console", "--help")]
    [InlineData("console", "unlock", "--help")]
    [InlineData("console", "reset-password", "--help")]
    [InlineData("console", "status", "--help")]
    [InlineData("console", "ssh-enable", "--help")]
    public async Task Verb_Help_Exit0WithUsage(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(0, run.Exit);
        Assert.Contains("nasdash console", run.Output, StringComparison.Ordinal);
        Assert.Contains("--data <dir>", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyVerb_MissingDataDirectory_Exit1NamesTheDirectory()
    {
        var missing = Path.Combine(_data.Path, "nope");

        var run = await RunAsync("console", "status", "--data", missing);

        Assert.Equal(1, run.Exit);
        Assert.Contains($"The data directory {missing} does not exist", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task AnyVerb_DirectoryWithoutStore_Exit1AndCreatesNothing()
    {
        var run = await RunAsync("console", "unlock", "alice", "--data", _data.Path);

        Assert.Equal(1, run.Exit);
        Assert.Contains("holds no NasDash store", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_data.Path));
    }

    [Fact]
    public async Task AnyVerb_StoreHeldAndNoSocket_Exit1SaysServerStartingOrHung()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.SuperLocked("alice", DateTimeOffset.UtcNow));
        using var held = _data.OpenStore();

        var run = await RunAsync("console", "unlock", "alice", "--data", _data.Path);

        Assert.Equal(1, run.Exit);
        Assert.Contains("is in use, but no server answers", run.Error, StringComparison.Ordinal);
        Assert.Equal(AccountState.SuperLocked, held.FindByName("alice")!.State);
    }

    [Fact]
    public async Task AnyVerb_StaleSocketFile_FallsBackToStore()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.SuperLocked("alice", DateTimeOffset.UtcNow));
        // What a killed server leaves: a socket file nobody listens on. .NET unlinks the path it bound on
        // dispose, so bind elsewhere and move the file into place.
        var bound = Path.Combine(_data.Path, "bound.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, _data.SocketPath);
        }

        Assert.True(File.Exists(_data.SocketPath));

        var run = await RunAsync("console", "unlock", "alice", "--data", _data.Path);

        Assert.Equal((0, ""), (run.Exit, run.Error));
        using var store = _data.OpenStore();
        Assert.Equal(AccountState.Normal, store.FindByName("alice")!.State);
    }

    [Fact]
    public async Task Status_Json_ListsEveryAccountAndSshState()
    {
        var now = DateTimeOffset.UtcNow;
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", now), TestAccounts.SuperLocked("bob", now));

        var run = await RunAsync("console", "status", "--json", "--data", _data.Path);

        Assert.Equal(0, run.Exit);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("store", root.GetProperty("via").GetString());
        Assert.Equal(_data.Path, root.GetProperty("dataDirectory").GetString());
        Assert.False(root.GetProperty("ssh").GetProperty("loginDisabled").GetBoolean());
        var accounts = root.GetProperty("accounts").EnumerateArray().ToList();
        Assert.Equal(["alice", "bob"], accounts.Select(a => a.GetProperty("userName").GetString()));
        Assert.Equal("SuperLocked", accounts[1].GetProperty("state").GetString());
        Assert.Equal(10, accounts[1].GetProperty("backupFailures").GetInt32());
        // The field keeps its name for scripts; it is the size of the current set.
        Assert.Equal(10, accounts[0].GetProperty("backupCodesLeft").GetInt32());
        Assert.False(accounts[0].TryGetProperty("backupCodesInSet", out _));
        Assert.Equal(2, root.GetProperty("requiredCodesAtRecovery").GetInt32());
        Assert.True(accounts[0].GetProperty("twoFactorEnrolled").GetBoolean());
    }

    [Fact]
    public async Task Status_Table_ShowsTheSetAndThatARecoveryReplacesIt()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));

        var run = await RunAsync("console", "status", "--data", _data.Path);

        Assert.Equal(0, run.Exit);
        Assert.Contains("set of 10", run.Ansi, StringComparison.Ordinal);
        Assert.Contains(BackupCodeFiles.SetNote(2), run.Ansi, StringComparison.Ordinal);
        Assert.Contains("replaces the whole set", BackupCodeFiles.SetNote(2), StringComparison.Ordinal);
        Assert.DoesNotContain("left", run.Ansi, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Status_Table_ShowsWhenTheCodesWereMadeAndWhatThePasswordColumnCounts()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));
        using (var store = _data.OpenStore())
        {
            Assert.NotNull(store.FindByName("alice")!.SecondFactor.BackupCodes?.GeneratedAt);
        }

        var run = await RunAsync("console", "status", "--data", _data.Path);

        using var opened = _data.OpenStore();
        var made = opened.FindByName("alice")!.SecondFactor.BackupCodes!.GeneratedAt.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, run.Exit);
        Assert.Contains($"made {made}", run.Ansi, StringComparison.Ordinal);
        Assert.Contains("device cookie", run.Ansi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Table_ShowsStateAndSsh()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.SuperLocked("bob", DateTimeOffset.UtcNow));

        var run = await RunAsync("console", "status", "--data", _data.Path);

        Assert.Equal(0, run.Exit);
        Assert.Contains("bob", run.Ansi, StringComparison.Ordinal);
        Assert.Contains("SuperLocked", run.Ansi, StringComparison.Ordinal);
        Assert.Contains("SSH login: enabled", run.Ansi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetPassword_PasswordStdin_Exit0AndPasswordWorks()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));

        var run = await RunAsync(["console", "reset-password", "alice", "--password-stdin", "--data", _data.Path], stdin: "a new long passphrase\n");

        Assert.Equal((0, ""), (run.Exit, run.Error));
        using var store = _data.OpenStore();
        Assert.Equal(PasswordCheck.Succeeded, TestAccounts.Hashing.Verify(store.FindByName("alice"), "a new long passphrase"));
    }

    [Fact]
    public async Task ResetPassword_WeakPassword_Exit1WithRule()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));

        var run = await RunAsync(["console", "reset-password", "alice", "--password-stdin", "--data", _data.Path], stdin: "short\n");

        Assert.Equal(1, run.Exit);
        Assert.Contains("at least 12 characters", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetPassword_NoTerminalAndNoStdinFlag_Exit2()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));

        var run = await RunAsync("console", "reset-password", "alice", "--data", _data.Path);

        Assert.Equal(2, run.Exit);
        Assert.Contains("--password-stdin", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Menu_NoTerminal_Exit2()
    {
        var run = await RunAsync("console", "--data", _data.Path);

        Assert.Equal(2, run.Exit);
        Assert.Contains("needs a terminal", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SshEnable_LoginNotDisabled_Exit1()
    {
        TestAccounts.Seed(_data.Path, TestAccounts.Enrolled("alice", DateTimeOffset.UtcNow));

        var run = await RunAsync("console", "ssh-enable", "--data", _data.Path);

        Assert.Equal(1, run.Exit);
        Assert.Contains("SSH sign-in is not disabled", run.Error, StringComparison.Ordinal);
    }

    private static Task<Run> RunAsync(params string[] args) => RunAsync(args, stdin: "");

    private static async Task<Run> RunAsync(string[] args, string stdin)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var ansi = new TestConsole();
        ansi.Profile.Width = 160;
        var exit = await ConsoleMode.RunAsync(args, new ConsoleIo(new StringReader(stdin), output, error, ansi));
        return new Run(exit, output.ToString(), error.ToString(), ansi.Output);
    }

    private sealed record Run(int Exit, string Output, string Error, string Ansi);
}
