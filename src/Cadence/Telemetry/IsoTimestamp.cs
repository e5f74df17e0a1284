using System.Globalization;
using System.Runtime.InteropServices;

namespace Cadence.Telemetry;

/// <summary>
/// Parses the ISO 8601 timestamps Defender and Sentinel export, at full 100 ns precision.
/// </summary>
/// <remarks>
/// Hand-written because it runs once per row: DateTimeOffset.TryParseExact needs one format per
/// fraction length (Defender trims trailing zeros, so 0 to 7 digits occur) and is several times
/// slower. Anything outside the fast shape falls back to the BCL parser.
/// </remarks>
public static class IsoTimestamp
{
    /// <summary>Parses to UTC ticks. Accepts 'T' or a space, 0 to 7 fractional digits, 'Z', an offset, or no zone (taken as UTC).</summary>
    public static bool TryParseUtcTicks(ReadOnlySpan<char> s, out long utcTicks)
    {
        utcTicks = 0;
        // Char.IsWhiteSpace on both ends of every timestamp showed in a profile; only a value that
        // starts or ends outside printable ASCII can have any.
        if (!s.IsEmpty && (s[0] - 0x21u > 0x5Du || s[^1] - 0x21u > 0x5Du))
            s = s.Trim();
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
            || s[13] != ':' || s[16] != ':')
            return TryParseFallback(s, out utcTicks);

        if (!TryDate(s, out var dateTicks)
            || !TryDigits(s, 11, 2, out var hour) || !TryDigits(s, 14, 2, out var minute) || !TryDigits(s, 17, 2, out var second)
            || hour > 23 || minute > 59 || second > 59)
            return false;

        var pos = 19;
        long fraction = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            pos++;
            var digits = 0;
            while (pos < s.Length && char.IsAsciiDigit(s[pos]))
            {
                // More than 7 digits would be finer than a tick; refusing beats silently truncating.
                if (++digits > 7)
                    return false;
                fraction = fraction * 10 + (s[pos] - '0');
                pos++;
            }
            if (digits == 0)
                return false;
            for (var i = digits; i < 7; i++)
                fraction *= 10;
        }

        long offsetTicks = 0;
        if (pos < s.Length)
        {
            var zone = s[pos];
            if (zone is 'Z' or 'z' && pos + 1 == s.Length)
            {
                // UTC
            }
            else if (zone is '+' or '-')
            {
                var rest = s[(pos + 1)..];
                int offHours, offMinutes;
                if (rest.Length == 5 && rest[2] == ':' && TryDigits(rest, 0, 2, out offHours) && TryDigits(rest, 3, 2, out offMinutes)) { }
                else if (rest.Length == 4 && TryDigits(rest, 0, 2, out offHours) && TryDigits(rest, 2, 2, out offMinutes)) { }
                else if (rest.Length == 2 && TryDigits(rest, 0, 2, out offHours)) { offMinutes = 0; }
                else return false;
                if (offHours > 14 || offMinutes > 59)
                    return false;
                offsetTicks = (offHours * TimeSpan.TicksPerHour + offMinutes * TimeSpan.TicksPerMinute) * (zone == '-' ? -1 : 1);
            }
            else
            {
                return false;
            }
        }

        var local = dateTicks + (hour * 3600L + minute * 60L + second) * TimeSpan.TicksPerSecond + fraction;
        var utc = local - offsetTicks;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
            return false;
        utcTicks = utc;
        return true;
    }

    /// <summary>The date of the last timestamp parsed on a thread, as its first ten characters read raw, and its midnight.</summary>
    private struct LastDate
    {
        public ulong First4;
        public ulong Next4;
        public uint Last2;
        public long Ticks;
    }

    // The rows of an export share a handful of dates, so most rows skip parsing and checking
    // theirs (about a third of this parser's time on a 1M-row export, perf on the AOT binary).
    // Per thread: the readers parse rows on several. Its zero state matches no date, whose
    // fifth character is a '-'.
    [ThreadStatic]
    private static LastDate t_lastDate;

    /// <summary>The ticks of midnight on the date in the first ten characters (yyyy-MM-dd, separators already checked); false when no such date exists.</summary>
    private static bool TryDate(ReadOnlySpan<char> s, out long ticks)
    {
        var raw = MemoryMarshal.AsBytes(s);
        var first4 = MemoryMarshal.Read<ulong>(raw);
        var next4 = MemoryMarshal.Read<ulong>(raw[8..]);
        var last2 = MemoryMarshal.Read<uint>(raw[16..]);
        ref var last = ref t_lastDate;
        if (first4 == last.First4 && next4 == last.Next4 && last2 == last.Last2)
        {
            ticks = last.Ticks;
            return true;
        }
        ticks = 0;
        if (!TryDigits(s, 0, 4, out var year) || !TryDigits(s, 5, 2, out var month) || !TryDigits(s, 8, 2, out var day)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
            return false;
        ticks = DateTicks(year, month, day);
        last = new LastDate { First4 = first4, Next4 = next4, Last2 = last2, Ticks = ticks };
        return true;
    }

    /// <summary>Formats as ISO 8601 UTC with 7 fractional digits and 'Z', the form Cadence writes everywhere.</summary>
    public static string Format(long utcTicks) =>
        new DateTime(utcTicks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    // Days before each month in a common and in a leap year.
    private static ReadOnlySpan<int> DaysToMonth365 => [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    private static ReadOnlySpan<int> DaysToMonth366 => [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];

    /// <summary>
    /// The ticks of midnight on a date already checked to exist: what new DateTime(y, m, d).Ticks
    /// gives, without checking the date a second time (every row's timestamp passes here: the
    /// constructor was about 1 % of reading an export).
    /// </summary>
    internal static long DateTicks(int year, int month, int day)
    {
        var y = year - 1;
        var days = y * 365L + y / 4 - y / 100 + y / 400
            + (DateTime.IsLeapYear(year) ? DaysToMonth366 : DaysToMonth365)[month - 1] + day - 1;
        return days * TimeSpan.TicksPerDay;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool TryDigits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = s[i];
            if (!char.IsAsciiDigit(c))
                return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    // Out of line: the BCL parser's state is large, and every caller would zero it for every row.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool TryParseFallback(ReadOnlySpan<char> s, out long utcTicks)
    {
        // Shapes such as "2023-12-21T17:33Z" (no seconds). Only ISO-like input reaches the BCL:
        // a culture-dependent guess at "3/4/2024" would silently swap day and month.
        utcTicks = 0;
        if (s.Length < 10 || s[4] != '-' || s[7] != '-')
            return false;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            return false;
        utcTicks = parsed.UtcTicks;
        return true;
    }
}
