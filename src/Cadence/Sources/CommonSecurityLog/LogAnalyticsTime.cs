using System.Globalization;
using Cadence.Telemetry;

namespace Cadence.Sources.CommonSecurityLog;

/// <summary>TimeGenerated as Log Analytics exports write it.</summary>
internal static class LogAnalyticsTime
{
    // The portal's CSV export writes what its grid displays, "3/26/2024, 9:39:50.768 AM", and marks
    // the column "TimeGenerated [UTC]". Only this exact invariant (en-US) shape is read: under
    // another browser locale the portal writes "26.3.2024, 09:39:50.768", and guessing the order of
    // day and month would silently misdate every row of a month's first twelve days.
    private static readonly string[] PortalFormats =
    [
        "M/d/yyyy, h:mm:ss.FFFFFFF tt",
        "M/d/yyyy, h:mm:ss tt",
    ];

    /// <summary>Parses ISO 8601 (API and az exports) or the portal's display form, both UTC.</summary>
    public static bool TryParseUtcTicks(ReadOnlySpan<char> text, out long utcTicks)
    {
        if (IsoTimestamp.TryParseUtcTicks(text, out utcTicks))
            return true;
        if (DateTime.TryParseExact(text.Trim(), PortalFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            utcTicks = parsed.Ticks;
            return true;
        }
        utcTicks = 0;
        return false;
    }
}
