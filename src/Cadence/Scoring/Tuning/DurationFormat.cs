using System.Globalization;
using System.Text;

namespace Cadence.Scoring.Tuning;

/// <summary>
/// Writes a duration the way the tuning file reads it (1s, 30m, 4h, 7d, 1d12h, 0.5s), so what
/// <c>cadence config show</c> prints validates again. DurationText.Format writes sub-minute
/// durations as 00:00:01, which the file's parser does not read.
/// </summary>
internal static class DurationFormat
{
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.MaxValue)
            return "forever";
        var ticks = duration.Ticks;
        var text = new StringBuilder();
        Append(ref ticks, TimeSpan.TicksPerDay, 'd', text);
        Append(ref ticks, TimeSpan.TicksPerHour, 'h', text);
        Append(ref ticks, TimeSpan.TicksPerMinute, 'm', text);
        if (ticks > 0 || text.Length == 0)
            text.Append(((decimal)ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)).Append('s');
        return text.ToString();
    }

    private static void Append(ref long ticks, long unit, char suffix, StringBuilder text)
    {
        if (ticks < unit)
            return;
        text.Append((ticks / unit).ToString(CultureInfo.InvariantCulture)).Append(suffix);
        ticks %= unit;
    }
}
