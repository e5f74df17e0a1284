using System.Globalization;
using Cadence.Telemetry;

namespace Cadence.Sources.CommonSecurityLog;

/// <summary>
/// The timestamps of a CEF line: the extension's <c>rt</c> (epoch milliseconds, or
/// "MMM dd yyyy HH:mm:ss[.fff] [zone]" and its year-less form, as the CEF specification allows)
/// and the syslog header's (RFC 3164 "Mar 26 09:39:50", RFC 5424 or a receiver's ISO 8601).
/// A time without a zone is read as UTC.
/// </summary>
internal static class CefTime
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    // Far beyond any log (year 9999 in milliseconds): anything larger is not a time.
    private const long MaxEpochMilliseconds = 253_402_300_799_999;

    /// <summary>Parses <c>rt</c> to UTC ticks; a year-less form takes its year from <paramref name="years"/>.</summary>
    public static bool TryParseRt(ReadOnlySpan<char> text, YearReference years, out long utcTicks)
    {
        utcTicks = 0;
        text = text.Trim();
        if (text.IsEmpty)
            return false;
        if (!text.ContainsAnyExcept("0123456789"))
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) || milliseconds > MaxEpochMilliseconds)
                return false;
            utcTicks = DateTime.UnixEpoch.Ticks + milliseconds * TimeSpan.TicksPerMillisecond;
            return true;
        }
        if (char.IsAsciiDigit(text[0]))
            return IsoTimestamp.TryParseUtcTicks(text, out utcTicks);
        return TryParseMonthForm(text, years, allowZone: true, out utcTicks);
    }

    /// <summary>
    /// Parses the timestamp of the syslog header before "CEF:": "&lt;134&gt;Mar 26 09:39:50 fw01",
    /// "&lt;134&gt;1 2024-03-26T09:39:50.768Z fw01 ...", or a receiver's "2024-03-26T09:39:50+00:00 fw01".
    /// </summary>
    public static bool TryParseSyslogHeader(ReadOnlySpan<char> header, YearReference years, out long utcTicks)
    {
        utcTicks = 0;
        header = header.Trim();
        if (header.StartsWith('<'))
        {
            var close = header.IndexOf('>');
            if (close is < 2 or > 4 || header[1..close].ContainsAnyExcept("0123456789"))
                return false;
            header = header[(close + 1)..].TrimStart();
        }
        // RFC 5424: a version number, then the timestamp.
        if (header.Length > 2 && header[0] == '1' && header[1] == ' ')
            header = header[2..].TrimStart();
        if (header.IsEmpty)
            return false;
        if (char.IsAsciiDigit(header[0]))
        {
            var end = header.IndexOf(' ');
            return IsoTimestamp.TryParseUtcTicks(end < 0 ? header : header[..end], out utcTicks);
        }
        // RFC 3164 has no zone; what follows the time is the host name, not a zone.
        return TryParseMonthForm(header, years, allowZone: false, out utcTicks);
    }

    /// <summary>"MMM d [yyyy] HH:mm:ss[.fffffff] [zone] ...": the month's English abbreviation, then day, optional year, time.</summary>
    private static bool TryParseMonthForm(ReadOnlySpan<char> text, YearReference years, bool allowZone, out long utcTicks)
    {
        utcTicks = 0;
        Span<Range> tokens = stackalloc Range[6];
        var count = Tokens(text, tokens);
        if (count < 3)
            return false;
        var month = MonthOf(text[tokens[0]]);
        if (month == 0 || !TryNumber(text[tokens[1]], 1, 2, out var day))
            return false;
        var next = 2;
        int? year = null;
        if (TryNumber(text[tokens[next]], 4, 4, out var explicitYear))
        {
            year = explicitYear;
            if (++next >= count)
                return false;
        }
        if (!TryTimeOfDay(text[tokens[next]], out var timeOfDay))
            return false;
        next++;

        long offsetTicks = 0;
        if (allowZone && next < count)
        {
            if (!TryZone(text[tokens[next]], out offsetTicks))
                return false;
            next++;
        }
        if (allowZone && next < count)
            return false;

        long local;
        if (year is { } y)
        {
            if (day > DateTime.DaysInMonth(y, month))
                return false;
            local = new DateTime(y, month, day, 0, 0, 0, DateTimeKind.Unspecified).Ticks + timeOfDay;
        }
        else if (!years.TryResolve(month, day, timeOfDay, out local))
        {
            return false;
        }
        var utc = local - offsetTicks;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
            return false;
        utcTicks = utc;
        return true;
    }

    /// <summary>Splits on runs of spaces ("Mar  6" pads the day); returns how many tokens were found, at most the span's length.</summary>
    private static int Tokens(ReadOnlySpan<char> text, Span<Range> tokens)
    {
        var count = 0;
        var i = 0;
        while (i < text.Length && count < tokens.Length)
        {
            while (i < text.Length && text[i] == ' ')
                i++;
            if (i == text.Length)
                break;
            var start = i;
            while (i < text.Length && text[i] != ' ')
                i++;
            tokens[count++] = start..i;
        }
        return count;
    }

    private static int MonthOf(ReadOnlySpan<char> name)
    {
        if (name.Length != 3)
            return 0;
        for (var i = 0; i < Months.Length; i++)
        {
            if (name.Equals(Months[i], StringComparison.OrdinalIgnoreCase))
                return i + 1;
        }
        return 0;
    }

    private static bool TryNumber(ReadOnlySpan<char> text, int minDigits, int maxDigits, out int value)
    {
        value = 0;
        return text.Length >= minDigits && text.Length <= maxDigits
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>"HH:mm:ss" with an optional fraction of up to 7 digits, as ticks since midnight.</summary>
    private static bool TryTimeOfDay(ReadOnlySpan<char> text, out long ticks)
    {
        ticks = 0;
        if (text.Length < 8 || text[2] != ':' || text[5] != ':'
            || !TryNumber(text[..2], 2, 2, out var hour) || !TryNumber(text[3..5], 2, 2, out var minute)
            || !TryNumber(text[6..8], 2, 2, out var second) || hour > 23 || minute > 59 || second > 59)
            return false;
        long fraction = 0;
        if (text.Length > 8)
        {
            var digits = text[9..];
            if (text[8] != '.' || digits.IsEmpty || digits.Length > 7 || digits.ContainsAnyExcept("0123456789"))
                return false;
            fraction = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            for (var i = digits.Length; i < 7; i++)
                fraction *= 10;
        }
        ticks = hour * TimeSpan.TicksPerHour + minute * TimeSpan.TicksPerMinute + second * TimeSpan.TicksPerSecond + fraction;
        return true;
    }

    /// <summary>
    /// GMT, UTC, Z, a numeric offset, or either name followed by one ("GMT+01:00"). Other zone
    /// names (CET, PST, IST) are refused: several mean different offsets in different places.
    /// </summary>
    private static bool TryZone(ReadOnlySpan<char> zone, out long offsetTicks)
    {
        offsetTicks = 0;
        if (zone.StartsWith("GMT", StringComparison.OrdinalIgnoreCase) || zone.StartsWith("UTC", StringComparison.OrdinalIgnoreCase))
            zone = zone[3..];
        else if (zone.Equals("Z", StringComparison.OrdinalIgnoreCase))
            zone = [];
        if (zone.IsEmpty)
            return true;
        if (zone[0] is not ('+' or '-'))
            return false;
        var sign = zone[0] == '-' ? -1 : 1;
        var rest = zone[1..];
        int hours, minutes = 0;
        if (rest.Length == 5 && rest[2] == ':' && TryNumber(rest[..2], 2, 2, out hours) && TryNumber(rest[3..], 2, 2, out minutes)) { }
        else if (rest.Length == 4 && TryNumber(rest[..2], 2, 2, out hours) && TryNumber(rest[2..], 2, 2, out minutes)) { }
        else if (rest.Length is 1 or 2 && TryNumber(rest, 1, 2, out hours)) { }
        else return false;
        if (hours > 14 || minutes > 59)
            return false;
        offsetTicks = sign * (hours * TimeSpan.TicksPerHour + minutes * TimeSpan.TicksPerMinute);
        return true;
    }
}

/// <summary>
/// The year for a timestamp that has none (RFC 3164's "Mar 26 09:39:50"). The nearest time the
/// input gives is the last timestamp read from it, so a year boundary inside the file is crossed
/// correctly; before any, the file's last write time, which comes after what it logs, so the year
/// is the latest that does not put the event after it; for standard input, the time of reading.
/// </summary>
internal sealed class YearReference(InputFile input, TimeProvider time)
{
    // A file is written after its last event; a day of slack absorbs a sender whose local time
    // is ahead of UTC, since RFC 3164 times carry no zone and are read as UTC.
    private static readonly long Slack = TimeSpan.TicksPerDay;

    private long? _fileTicks;

    /// <summary>The last timestamp read from the input, set by the reader.</summary>
    public long? LastTicks { get; set; }

    public bool TryResolve(int month, int day, long timeOfDay, out long ticks)
    {
        ticks = 0;
        if (LastTicks is { } last)
        {
            var lastYear = new DateTime(last, DateTimeKind.Utc).Year;
            var found = false;
            for (var year = lastYear - 1; year <= lastYear + 1; year++)
            {
                if (TryDate(year, month, day, timeOfDay, out var candidate)
                    && (!found || Math.Abs(candidate - last) < Math.Abs(ticks - last)))
                {
                    ticks = candidate;
                    found = true;
                }
            }
            return found;
        }

        var reference = FileTicks();
        var referenceYear = new DateTime(reference, DateTimeKind.Utc).Year;
        // Four years back reaches a leap year for a 29 February.
        for (var year = referenceYear; year >= referenceYear - 4; year--)
        {
            if (TryDate(year, month, day, timeOfDay, out var candidate) && candidate <= reference + Slack)
            {
                ticks = candidate;
                return true;
            }
        }
        return false;
    }

    private long FileTicks()
    {
        if (_fileTicks is { } known)
            return known;
        var path = input.DisplayName;
        long ticks;
        try
        {
            ticks = path != "-" && File.Exists(path) ? File.GetLastWriteTimeUtc(path).Ticks : time.GetUtcNow().UtcTicks;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ticks = time.GetUtcNow().UtcTicks;
        }
        _fileTicks = ticks;
        return ticks;
    }

    private static bool TryDate(int year, int month, int day, long timeOfDay, out long ticks)
    {
        ticks = 0;
        if (year is < 1 or > 9999 || day > DateTime.DaysInMonth(year, month))
            return false;
        ticks = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified).Ticks + timeOfDay;
        return true;
    }
}
