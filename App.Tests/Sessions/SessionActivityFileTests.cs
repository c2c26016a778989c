using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NasDash.Hosting;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Sessions;

public sealed class SessionActivityFileTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _data = new();
    private readonly NasDashOptions _options;

    public SessionActivityFileTests() => _options = new NasDashOptions { DataDirectory = _data.Path };

    public void Dispose() => _data.Dispose();

    private (SessionActivity Activity, SessionActivityFile File) Run()
    {
        var activity = new SessionActivity(_time, _options);
        return (activity, new SessionActivityFile(activity, _options, _time, NullLogger<SessionActivityFile>.Instance));
    }

    [Fact]
    public void Load_AfterASave_KnowsEachSessionsLastUse()
    {
        var (before, saver) = Run();
        before.Start("used");
        before.Start("idle");
        _time.Advance(TimeSpan.FromMinutes(20));
        before.Touch("used");
        saver.Save();

        _time.Advance(TimeSpan.FromMinutes(15));
        var (after, loader) = Run();
        loader.Load();

        Assert.True(after.IsActive("used"));
        Assert.False(after.IsActive("idle"));
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromMinutes(35), after.LastSeen("idle"));
    }

    [Fact]
    public void Load_OfAnEndedSession_KnowsNothingOfIt()
    {
        var (before, saver) = Run();
        before.Start("s1");
        before.End("s1");
        saver.Save();

        var (after, loader) = Run();
        loader.Load();

        Assert.Null(after.LastSeen("s1"));
    }

    [Fact]
    public void Load_AnUnreadableFile_StartsWithNoSessions()
    {
        File.WriteAllText(Path.Combine(_data.Path, SessionActivityFile.FileName), "{ not json");
        var (after, loader) = Run();

        loader.Load();

        Assert.Empty(after.Recorded());
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Save_WritesAFileOnlyItsOwnerReads()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX file modes");
        var (activity, saver) = Run();
        activity.Start("s1");

        saver.Save();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_data.Path, SessionActivityFile.FileName)));
    }
}
