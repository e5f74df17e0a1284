namespace Cadence.Sources.Zeek;

/// <summary>Zeek's time and interval values: seconds as a decimal ("1672843056.913119"), read exactly to the tick.</summary>
/// <remarks>No floating point anywhere: a double cannot hold today's epoch seconds to the microsecond.</remarks>
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

    /// <summary>
    /// A JSON number as Zeek's JSON writer prints a time or an interval (the shortest text that
    /// reads back as the same double: "1672843056.913119", "0.08404397964477539",
    /// "3.0994415283203125e-06"), read from its text to ticks and rounded to the microsecond.
    /// </summary>
    /// <remarks>
    /// Zeek's resolution is the microsecond: its TSV writer prints these values with <c>%.6f</c> and
    /// its ISO 8601 timestamps carry six digits. Rounding the JSON text the same way (half up)
    /// makes the TSV and the JSON form of one log give the same ticks; they could differ only
    /// where the shortest text and the double itself fall on opposite sides of a half
    /// microsecond. With <paramref name="integerMillis"/>, an integer of 12 or more digits is
    /// epoch milliseconds (JSON::TS_MILLIS); 12 digits of seconds would be the year 33,658.
    /// </remarks>
    public static bool TryParseJsonSeconds(ReadOnlySpan<byte> number, bool integerMillis, out long ticks)
    {
        ticks = 0;
        var i = 0;
        var intStart = i;
        while (i < number.Length && char.IsAsciiDigit((char)number[i]))
            i++;
        var intPart = number[intStart..i];
        ReadOnlySpan<byte> fracPart = [];
        if (i < number.Length && number[i] == '.')
        {
            var fracStart = ++i;
            while (i < number.Length && char.IsAsciiDigit((char)number[i]))
                i++;
            fracPart = number[fracStart..i];
            if (fracPart.IsEmpty)
                return false;
        }
        var exponent = 0;
        var hasExponent = false;
        if (i < number.Length && number[i] is (byte)'e' or (byte)'E')
        {
            hasExponent = true;
            i++;
            var negative = i < number.Length && number[i] == '-';
            if (i < number.Length && number[i] is (byte)'+' or (byte)'-')
                i++;
            var expStart = i;
            while (i < number.Length && char.IsAsciiDigit((char)number[i]))
            {
                // Past a few hundred the value is 0 or out of range anyway; stop before overflowing.
                if (exponent < 10_000)
                    exponent = exponent * 10 + (number[i] - '0');
                i++;
            }
            if (i == expStart)
                return false;
            if (negative)
                exponent = -exponent;
        }
        // A sign, an empty mantissa or anything after the number: not a time or an interval.
        if (i != number.Length || intPart.IsEmpty)
            return false;

        if (integerMillis && fracPart.IsEmpty && !hasExponent && intPart.Length >= 12)
        {
            if (intPart.Length > 16)
                return false;
            long millis = 0;
            foreach (var digit in intPart)
                millis = millis * 10 + (digit - '0');
            ticks = millis * TimeSpan.TicksPerMillisecond;
            return true;
        }

        // The digits of intPart and fracPart in a row, with the decimal point after `point` of them.
        var point = intPart.Length + exponent;
        long seconds = 0;
        for (var k = 0; k < point; k++)
        {
            seconds = seconds * 10 + Digit(intPart, fracPart, k);
            // 12 digits of seconds, as TryParseSeconds allows.
            if (seconds >= 1_000_000_000_000)
                return false;
        }
        long micros = 0;
        for (var j = 0; j < 6; j++)
            micros = micros * 10 + Digit(intPart, fracPart, point + j);
        if (Digit(intPart, fracPart, point + 6) >= 5)
            micros++;
        ticks = seconds * TimeSpan.TicksPerSecond + micros * 10;
        return true;
    }

    /// <summary>The k-th digit of the mantissa (integer digits, then fraction digits); 0 outside them.</summary>
    private static int Digit(ReadOnlySpan<byte> intPart, ReadOnlySpan<byte> fracPart, int k) =>
        k < 0 || k >= intPart.Length + fracPart.Length ? 0 : (k < intPart.Length ? intPart[k] : fracPart[k - intPart.Length]) - '0';

    /// <summary>Writes ticks as seconds with seven decimals, the form <see cref="TryParseSeconds"/> reads back.</summary>
    public static int FormatSeconds(long ticks, Span<char> destination)
    {
        var seconds = ticks / TimeSpan.TicksPerSecond;
        var fraction = ticks % TimeSpan.TicksPerSecond;
        seconds.TryFormat(destination, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        destination[written++] = '.';
        fraction.TryFormat(destination[written..], out var digits, "D7", System.Globalization.CultureInfo.InvariantCulture);
        return written + digits;
    }
}
