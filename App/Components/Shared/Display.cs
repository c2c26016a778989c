using System.Globalization;

namespace NasDash.Components.Shared;

/// <summary>How times and durations read on every page: UTC, to the minute, the same on every browser.</summary>
public static class Display
{
    public static string When(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string When(DateTimeOffset? at, string none = "never") => at is { } value ? When(value) : none;

    public static string Duration(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => $"{(int)span.TotalDays} d {span.Hours} h",
        { TotalHours: >= 1 } => $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => $"{Math.Max(0, (int)span.TotalMinutes)} min",
    };

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    public static string Plural(int count, string one, string many) => $"{count} {(count == 1 ? one : many)}";
}
