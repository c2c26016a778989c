using System.Globalization;
using Microsoft.JSInterop;

namespace NasDash.Components.Shared;

/// <summary>
/// The browser's time zone, asked once per circuit through JS interop. Until it is known (prerendering, a test
/// without a browser) times read in UTC, and say so.
/// </summary>
public sealed class BrowserClock
{
    private TimeZoneInfo? _zone;

    public bool IsKnown => _zone is not null;

    /// <summary>The zone as the browser names it, e.g. "Europe/Berlin", or "UTC".</summary>
    public string ZoneName => _zone?.Id ?? "UTC";

    /// <summary>Asks the browser once; a browser that cannot answer leaves the clock on UTC.</summary>
    public async Task ResolveAsync(IJSRuntime js)
    {
        if (_zone is not null)
        {
            return;
        }

        try
        {
            var answer = await js.InvokeAsync<BrowserZone?>("nasdash.timeZone");
            _zone = answer is null ? null : Zone(answer);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException)
        {
            // No answer (or no browser any more): times stay in UTC.
        }
        catch (InvalidOperationException)
        {
            // Prerendering: no browser yet.
        }
    }

    /// <summary>The zone a browser named, or, when the server has no such zone, its current offset under the browser's name.</summary>
    public static TimeZoneInfo Zone(BrowserZone answer)
    {
        if (!string.IsNullOrWhiteSpace(answer.Name) && TimeZoneInfo.TryFindSystemTimeZoneById(answer.Name, out var zone))
        {
            return zone;
        }

        var name = string.IsNullOrWhiteSpace(answer.Name) ? "browser time" : answer.Name;
        return TimeZoneInfo.CreateCustomTimeZone(name, TimeSpan.FromMinutes(Math.Clamp(answer.OffsetMinutes, -14 * 60, 14 * 60)), name, name);
    }

    public void Use(TimeZoneInfo zone) => _zone = zone;

    /// <summary>To the second, in the browser's zone: "2026-12-01 14:03:07".</summary>
    public string Local(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, _zone ?? TimeZoneInfo.Utc).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Midnight at the start of a calendar day in the browser's zone.</summary>
    public DateTimeOffset StartOf(DateTime day)
    {
        var zone = _zone ?? TimeZoneInfo.Utc;
        var midnight = DateTime.SpecifyKind(day.Date, DateTimeKind.Unspecified);
        var offset = zone.IsInvalidTime(midnight) ? zone.GetUtcOffset(midnight.AddHours(1)) : zone.GetUtcOffset(midnight);
        return new DateTimeOffset(midnight, offset);
    }

    /// <summary>The exact instant in UTC, for a tooltip and for exports: "2026-12-01T13:03:07Z".</summary>
    public static string Utc(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>What the browser says of its zone: the IANA name and the minutes east of UTC now.</summary>
public sealed record BrowserZone(string? Name, int OffsetMinutes);
