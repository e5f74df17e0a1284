namespace Cadence.Sources.CommonSecurityLog;

/// <summary>
/// One CEF line: "CEF:Version|Vendor|Product|DeviceVersion|SignatureID|Name|Severity|Extension",
/// after whatever syslog header the receiver wrote. Header fields escape '|' and '\' with a
/// backslash; the extension is key=value pairs whose values may hold spaces and escape '=', '\',
/// and line breaks (\n, \r). A key is the last token before an unescaped '='.
/// </summary>
/// <remarks>
/// Reused line after line: only the positions of the values Cadence reads are kept, and a value is
/// unescaped (into a scratch buffer) only when it holds a backslash and is asked for.
/// </remarks>
internal sealed class CefRecord(YearReference years) : ICommonSecurityLogRecord
{
    private const int ColumnCount = (int)CommonSecurityLogColumn.SourceProcessName + 1;

    // rt is not a CommonSecurityLog column Cadence reads (Sentinel files it as ReceiptTime); its
    // value sits after the columns'.
    private const int RtSlot = ColumnCount;

    // Sentinel's CEF-to-CommonSecurityLog mapping, for the keys Cadence reads.
    private static readonly Dictionary<string, int> Keys = new(StringComparer.Ordinal)
    {
        ["src"] = (int)CommonSecurityLogColumn.SourceIP,
        ["spt"] = (int)CommonSecurityLogColumn.SourcePort,
        ["dst"] = (int)CommonSecurityLogColumn.DestinationIP,
        ["dpt"] = (int)CommonSecurityLogColumn.DestinationPort,
        ["proto"] = (int)CommonSecurityLogColumn.Protocol,
        ["out"] = (int)CommonSecurityLogColumn.SentBytes,
        ["in"] = (int)CommonSecurityLogColumn.ReceivedBytes,
        ["request"] = (int)CommonSecurityLogColumn.RequestURL,
        ["requestMethod"] = (int)CommonSecurityLogColumn.RequestMethod,
        ["requestClientApplication"] = (int)CommonSecurityLogColumn.RequestClientApplication,
        ["act"] = (int)CommonSecurityLogColumn.DeviceAction,
        ["sproc"] = (int)CommonSecurityLogColumn.SourceProcessName,
        ["rt"] = RtSlot,
    };

    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> KeyLookup =
        Keys.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly string[] Names = BuildNames();

    private readonly int[] _starts = new int[ColumnCount + 1];
    private readonly int[] _lengths = new int[ColumnCount + 1];
    private readonly bool[] _escaped = new bool[ColumnCount + 1];
    private string _line = string.Empty;
    private int _cefStart;
    private char[] _scratch = new char[256];
    private int _scratchUsed;

    public ReadOnlySpan<char> this[CommonSecurityLogColumn column] => Value((int)column);

    public string NameOf(CommonSecurityLogColumn column) => Names[(int)column];

    /// <summary>Where "CEF:" starts in a line: followed by a version number and '|'; -1 when the line is not CEF.</summary>
    public static int FindMarker(ReadOnlySpan<char> line)
    {
        var from = 0;
        while (true)
        {
            var found = line[from..].IndexOf("CEF:", StringComparison.Ordinal);
            if (found < 0)
                return -1;
            var at = from + found;
            var end = at + 4;
            while (end < line.Length && char.IsAsciiDigit(line[end]))
                end++;
            if (end > at + 4 && end < line.Length && line[end] == '|')
                return at;
            from = at + 1;
        }
    }

    /// <summary>The same test on raw bytes, for format detection.</summary>
    public static bool HasMarker(ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var found = line.IndexOf("CEF:"u8);
            if (found < 0)
                return false;
            var end = found + 4;
            while (end < line.Length && char.IsAsciiDigit((char)line[end]))
                end++;
            if (end > found + 4 && end < line.Length && line[end] == (byte)'|')
                return true;
            line = line[(found + 1)..];
        }
    }

    /// <summary>Splits a line whose "CEF:" is at <paramref name="cefStart"/>; false with the problem when it is malformed.</summary>
    public bool TryLoad(string line, int cefStart, out string reason, out string detail)
    {
        Array.Clear(_lengths);
        Array.Clear(_escaped);
        _scratchUsed = 0;
        _line = line;
        _cefStart = cefStart;
        reason = detail = string.Empty;

        var text = line.AsSpan();
        // FindMarker saw the version and its '|'.
        var position = text[cefStart..].IndexOf('|') + cefStart + 1;
        for (var field = 0; field < 6; field++)
        {
            var end = NextUnescaped(text, position, '|', out var escaped);
            if (end < 0)
            {
                reason = CommonSecurityLogReasons.BrokenCefHeader;
                detail = $"the header ends after {field + 1} of its 7 fields (Version|Vendor|Product|Version|SignatureID|Name|Severity|): '{CommonSecurityLogMapper.Clip(text[cefStart..])}'";
                return false;
            }
            if (field is 0 or 1)
                Keep(field == 0 ? (int)CommonSecurityLogColumn.DeviceVendor : (int)CommonSecurityLogColumn.DeviceProduct, position, end, escaped);
            position = end + 1;
        }
        return TryLoadExtension(text, position, out reason, out detail);
    }

    public bool TryReadTimestamp(out long utcTicks, out string problem)
    {
        problem = string.Empty;
        if (_lengths[RtSlot] > 0)
        {
            var rt = Value(RtSlot);
            if (CefTime.TryParseRt(rt, years, out utcTicks))
            {
                years.LastTicks = utcTicks;
                return true;
            }
            problem = $"rt '{CommonSecurityLogMapper.Clip(rt)}'";
            return false;
        }
        var header = _line.AsSpan(0, _cefStart).Trim();
        if (CefTime.TryParseSyslogHeader(header, years, out utcTicks))
        {
            years.LastTicks = utcTicks;
            return true;
        }
        problem = header.IsEmpty ? "no rt and no syslog header" : $"no rt; syslog header '{CommonSecurityLogMapper.Clip(header)}'";
        return false;
    }

    private bool TryLoadExtension(ReadOnlySpan<char> text, int position, out string reason, out string detail)
    {
        reason = detail = string.Empty;
        while (position < text.Length && text[position] == ' ')
            position++;
        if (position == text.Length)
            return true;

        var equals = NextUnescaped(text, position, '=', out _);
        var key = equals < 0 ? [] : text[position..equals];
        if (!IsKey(key))
        {
            reason = CommonSecurityLogReasons.BrokenCefExtension;
            detail = $"'{CommonSecurityLogMapper.Clip(text[position..])}' does not start with key=value";
            return false;
        }
        var valueStart = equals + 1;
        var searchFrom = valueStart;
        while (true)
        {
            var next = NextUnescaped(text, searchFrom, '=', out _);
            if (next < 0)
            {
                Record(key, valueStart, text.Length);
                return true;
            }
            var space = text[valueStart..next].LastIndexOf(' ');
            var candidate = space < 0 ? [] : text[(valueStart + space + 1)..next];
            if (!IsKey(candidate))
            {
                // An '=' the device did not escape, as in a URL's query string: part of the value.
                searchFrom = next + 1;
                continue;
            }
            Record(key, valueStart, valueStart + space);
            key = candidate;
            valueStart = searchFrom = next + 1;
        }
    }

    private void Record(ReadOnlySpan<char> key, int start, int end)
    {
        if (!KeyLookup.TryGetValue(key, out var slot))
            return;
        var value = _line.AsSpan(start, end - start).TrimEnd();
        // A repeated key: the last value wins, as in Sentinel's parser.
        Keep(slot, start, start + value.Length, value.Contains('\\'));
    }

    private void Keep(int slot, int start, int end, bool escaped)
    {
        _starts[slot] = start;
        _lengths[slot] = end - start;
        _escaped[slot] = escaped;
    }

    private ReadOnlySpan<char> Value(int slot)
    {
        // A slot this line did not fill still holds the previous line's start.
        if (_lengths[slot] == 0)
            return [];
        var raw = _line.AsSpan(_starts[slot], _lengths[slot]);
        if (!_escaped[slot])
            return raw;
        var header = slot is (int)CommonSecurityLogColumn.DeviceVendor or (int)CommonSecurityLogColumn.DeviceProduct;
        if (_scratch.Length - _scratchUsed < raw.Length)
        {
            // Spans handed out earlier keep the old array alive; nothing in it is overwritten.
            _scratch = new char[Math.Max(_scratch.Length * 2, raw.Length)];
            _scratchUsed = 0;
        }
        var target = _scratch.AsSpan(_scratchUsed);
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\\' && i + 1 < raw.Length)
            {
                var escaped = raw[i + 1];
                char? unescaped = escaped switch
                {
                    '\\' => '\\',
                    '|' when header => '|',
                    '=' when !header => '=',
                    'n' when !header => '\n',
                    'r' when !header => '\r',
                    _ => null,
                };
                if (unescaped is { } u)
                {
                    target[length++] = u;
                    i++;
                    continue;
                }
            }
            target[length++] = c;
        }
        _scratchUsed += length;
        return target[..length];
    }

    /// <summary>The next <paramref name="separator"/> not escaped by a backslash, from <paramref name="from"/>; -1 when none.</summary>
    private static int NextUnescaped(ReadOnlySpan<char> text, int from, char separator, out bool sawEscape)
    {
        sawEscape = false;
        var i = from;
        while (i < text.Length)
        {
            var found = text[i..].IndexOfAny('\\', separator);
            if (found < 0)
                return -1;
            i += found;
            if (text[i] == separator)
                return i;
            sawEscape = true;
            i += 2;
        }
        return -1;
    }

    /// <summary>CEF keys are ASCII identifiers; vendors' own keys add '_', '.' and '-'.</summary>
    private static bool IsKey(ReadOnlySpan<char> token)
    {
        if (token.IsEmpty || token.Length > 64)
            return false;
        foreach (var c in token)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
                return false;
        }
        return true;
    }

    private static string[] BuildNames()
    {
        var names = new string[ColumnCount];
        foreach (var column in Enum.GetValues<CommonSecurityLogColumn>())
            names[(int)column] = column.ToString();
        foreach (var (key, slot) in Keys)
        {
            if (slot < ColumnCount)
                names[slot] = key;
        }
        names[(int)CommonSecurityLogColumn.DeviceVendor] = "Vendor";
        names[(int)CommonSecurityLogColumn.DeviceProduct] = "Product";
        return names;
    }
}
