using System.Globalization;

namespace Cadence.Bench;

/// <summary>ISO 8601 UTC timestamps at .NET tick (100 ns) precision, as Defender exports them.</summary>
internal static class IsoTime
{
    private const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    /// <summary>Seven fraction digits and 'Z', the form passed to <c>--as-of</c>.</summary>
    public static string Format(long ticks) =>
        new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static bool TryParseTicks(ReadOnlySpan<char> text, out long ticks)
    {
        ticks = 0;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, Utc, out var time))
            return false;
        ticks = time.Ticks;
        return true;
    }

    public static long ParseTicks(string text) =>
        TryParseTicks(text, out var ticks) ? ticks : throw new UsageException($"'{text}' is not an ISO 8601 timestamp");
}
