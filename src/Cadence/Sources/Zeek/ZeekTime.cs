namespace Cadence.Sources.Zeek;

/// <summary>Zeek's time and interval values: seconds as a decimal ("1672843056.913119"), read exactly to the tick.</summary>
internal static class ZeekTime
{
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>An epoch time in seconds to UTC ticks; no floating point, so no rounding drift.</summary>
    public static bool TryParseEpoch(ReadOnlySpan<char> text, out long utcTicks)
    {
        utcTicks = 0;
        if (!TryParseSeconds(text, out var ticks))
            return false;
        utcTicks = EpochTicks + ticks;
        return utcTicks >= 0 && utcTicks <= DateTime.MaxValue.Ticks;
    }

    /// <summary>A non-negative number of seconds with up to 7 decimals, to ticks.</summary>
    public static bool TryParseSeconds(ReadOnlySpan<char> text, out long ticks)
    {
        ticks = 0;
        if (text.IsEmpty)
            return false;
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? [] : text[(dot + 1)..];
        // 12 digits of seconds is 31,000 years: enough, and no overflow below.
        if (whole.IsEmpty || whole.Length > 12 || fraction.Length > 7 || (dot >= 0 && fraction.IsEmpty))
            return false;
        long seconds = 0;
        foreach (var c in whole)
        {
            if (!char.IsAsciiDigit(c))
                return false;
            seconds = seconds * 10 + (c - '0');
        }
        long fractionTicks = 0;
        for (var i = 0; i < 7; i++)
        {
            var digit = 0;
            if (i < fraction.Length)
            {
                if (!char.IsAsciiDigit(fraction[i]))
                    return false;
                digit = fraction[i] - '0';
            }
            fractionTicks = fractionTicks * 10 + digit;
        }
        ticks = seconds * TimeSpan.TicksPerSecond + fractionTicks;
        return true;
    }
}
