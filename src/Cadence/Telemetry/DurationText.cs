using System.Globalization;

namespace Cadence.Telemetry;

/// <summary>Parses the lookback windows analysts write in KQL: 30s, 90m, 24h, 7d (and combinations such as 1d12h).</summary>
public static class DurationText
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        try
        {
            return TryParseUnchecked(text, out duration);
        }
        catch (OverflowException)
        {
            // 10675200d and beyond do not fit a TimeSpan: a usage error, not a crash.
            duration = TimeSpan.Zero;
            return false;
        }
    }

    private static bool TryParseUnchecked(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
            return false;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
                i++;
            if (i == start || i == s.Length)
                return false;
            if (!double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
                return false;
            var unit = s[i++];
            var part = unit switch
            {
                'd' => TimeSpan.FromDays(amount),
                'h' => TimeSpan.FromHours(amount),
                'm' => TimeSpan.FromMinutes(amount),
                's' => TimeSpan.FromSeconds(amount),
                _ => (TimeSpan?)null,
            };
            if (part is null)
                return false;
            duration += part.Value;
        }
        return duration > TimeSpan.Zero;
    }

    public static string Format(TimeSpan duration)
    {
        // 24h reads as the KQL's TimeWindow; whole days beyond it read better as days.
        if (duration.Ticks % TimeSpan.TicksPerDay == 0 && duration.Ticks > TimeSpan.TicksPerDay) return $"{duration.Ticks / TimeSpan.TicksPerDay}d";
        if (duration.Ticks % TimeSpan.TicksPerHour == 0) return $"{duration.Ticks / TimeSpan.TicksPerHour}h";
        if (duration.Ticks % TimeSpan.TicksPerMinute == 0) return $"{duration.Ticks / TimeSpan.TicksPerMinute}m";
        return duration.ToString("c", CultureInfo.InvariantCulture);
    }
}
