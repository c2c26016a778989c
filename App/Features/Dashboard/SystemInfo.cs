using System.Globalization;
using NasDash.Hosting;

namespace NasDash.Features.Dashboard;

/// <summary>A snapshot of the appliance as the OS reports it; a value the OS does not offer is null.</summary>
public sealed record SystemSnapshot(
    string HostName,
    TimeSpan Uptime,
    (double One, double Five, double Fifteen)? Load,
    int Processors,
    long? MemoryTotal,
    long? MemoryAvailable,
    string DataDirectory,
    long? VolumeTotal,
    long? VolumeFree);

/// <summary>Reads uptime, load and memory from /proc on Linux (elsewhere what .NET offers), and the data volume's usage.</summary>
public sealed class SystemInfo(ApplianceIdentity appliance, NasDashOptions options)
{
    public SystemSnapshot Read()
    {
        var memory = ParseMemInfo(ReadProc("/proc/meminfo"));
        var (volumeTotal, volumeFree) = Volume(options.DataDirectory);
        return new SystemSnapshot(
            appliance.HostName,
            ParseUptime(ReadProc("/proc/uptime")) ?? TimeSpan.FromMilliseconds(Environment.TickCount64),
            ParseLoadAvg(ReadProc("/proc/loadavg")),
            Environment.ProcessorCount,
            memory?.Total ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            memory?.Available,
            options.DataDirectory,
            volumeTotal,
            volumeFree);
    }

    /// <summary>"12345.67 23456.78" → the first number as seconds.</summary>
    public static TimeSpan? ParseUptime(string? text) =>
        text?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var first, ..] &&
        double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    /// <summary>"0.52 0.58 0.59 1/467 12345" → the three load averages.</summary>
    public static (double, double, double)? ParseLoadAvg(string? text)
    {
        var parts = text?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 3 } &&
               double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var one) &&
               double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var five) &&
               double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var fifteen)
            ? (one, five, fifteen)
            : null;
    }

    /// <summary>MemTotal and MemAvailable of /proc/meminfo, in bytes.</summary>
    public static (long Total, long? Available)? ParseMemInfo(string? text)
    {
        if (text is null)
        {
            return null;
        }

        long? total = null;
        long? available = null;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib))
            {
                if (parts[0] == "MemTotal")
                {
                    total = kib * 1024;
                }
                else if (parts[0] == "MemAvailable")
                {
                    available = kib * 1024;
                }
            }
        }

        return total is { } t ? (t, available) : null;
    }

    private static (long?, long?) Volume(string directory)
    {
        try
        {
            var drive = new DriveInfo(Path.GetFullPath(directory));
            return drive.IsReady ? (drive.TotalSize, drive.AvailableFreeSpace) : (null, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, null);
        }
    }

    private static string? ReadProc(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
