using NasDash.Features.Dashboard;

namespace NasDash.Tests.Features.Dashboard;

public sealed class SystemInfoTests
{
    [Fact]
    public void ParseUptime_ProcText_GivesSeconds() =>
        Assert.Equal(TimeSpan.FromSeconds(93784.5), SystemInfo.ParseUptime("93784.50 180000.12\n"));

    [Fact]
    public void ParseLoadAvg_ProcText_GivesThreeAverages() =>
        Assert.Equal((0.52, 0.58, 1.5), SystemInfo.ParseLoadAvg("0.52 0.58 1.50 1/467 12345\n"));

    [Fact]
    public void ParseMemInfo_ProcText_GivesTotalAndAvailableBytes() =>
        Assert.Equal((16L * 1024 * 1024 * 1024, 6L * 1024 * 1024 * 1024),
            SystemInfo.ParseMemInfo("MemTotal:       16777216 kB\nMemFree:         1000000 kB\nMemAvailable:    6291456 kB\n"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    public void Parse_MissingOrMalformed_GivesNull(string? text)
    {
        Assert.Null(SystemInfo.ParseUptime(text));
        Assert.Null(SystemInfo.ParseLoadAvg(text));
        Assert.Null(SystemInfo.ParseMemInfo(text));
    }
}
