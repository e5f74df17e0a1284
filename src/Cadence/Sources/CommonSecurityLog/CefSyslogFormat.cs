using System.Text;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.CommonSecurityLog;

/// <summary>
/// Raw CEF as syslog receivers write it, one event a line, e.g.
/// <c>&lt;134&gt;Mar 26 09:39:50 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|end|3|rt=... src=... dst=...</c>:
/// the lines Sentinel's agent turns into CommonSecurityLog, read with the same mapping. Lines of
/// other syslog messages in the same file are skipped and counted.
/// </summary>
public sealed class CefSyslogFormat : ITelemetryFormat
{
    // Enough lines to get past the other messages a receiver interleaves (agent start-up, cron).
    private const int LinesToRecognize = 64;

    private const string MissingLineBreakNote = "the last line has no line break: the file may be cut short (a CEF line cut inside its extension still reads)";

    private readonly TimeProvider _time;

    public CefSyslogFormat()
        : this(TimeProvider.System)
    {
    }

    /// <param name="time">The clock that dates RFC 3164 timestamps (which have no year) read from standard input.</param>
    public CefSyslogFormat(TimeProvider time) => _time = time;

    public string Name => "CEF over syslog";

    public TelemetryFields MayProvide => CommonSecurityLogSchema.AllFields;

    /// <summary>
    /// True when the first line is CEF, or looks like syslog and a later line in the head is CEF.
    /// The first-line test keeps files of other formats that merely contain a CEF line in a cell
    /// (a CSV export's Message column) from being taken for syslog, whatever the detection order.
    /// </summary>
    public bool Recognizes(ReadOnlySpan<byte> head)
    {
        var rest = head.TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] is (byte)'{' or (byte)'[' or (byte)'#')
            return false;
        for (var lines = 0; lines < LinesToRecognize && !rest.IsEmpty; lines++)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            if (CefRecord.HasMarker(line))
                return true;
            if (lines == 0 && !LooksLikeSyslog(line))
                return false;
            if (end < 0)
                break;
            rest = rest[(end + 1)..];
        }
        return false;
    }

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        // A CEF line names its own keys, so no header says what the input carries: the account
        // declares what CEF connection logs carry, less the process, which few devices log.
        var ingest = context.Log.Begin(input, Name, MayProvide & ~TelemetryFields.ProcessName);
        var tail = new LastByteStream(content);
        using var text = new StreamReader(tail, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var record = new CefRecord(new YearReference(input, _time));
        var mapper = new CommonSecurityLogMapper(context.Pool, input);
        var lines = new BoundedLineReader(text, BoundedLineReader.DefaultMaxLineChars);
        long line = 0;
        while (lines.TryReadLine(out var raw))
        {
            line = lines.LineNumber;
            var outcome = raw is null
                ? RowOutcome.Rejected(line, RowReasons.LineTooLong, $"over {lines.MaxLineChars:N0} characters, not kept")
                : MapLine(raw, line, record, mapper);
            if (outcome.Account(ingest))
                yield return outcome.Event;
        }
        if (line > 0 && tail.LastByte != (byte)'\n')
            ingest.Note(MissingLineBreakNote);
    }

    private static RowOutcome MapLine(string raw, long line, CefRecord record, CommonSecurityLogMapper mapper)
    {
        if (raw.AsSpan().IsWhiteSpace())
            return RowOutcome.Skipped(line, RowReasons.BlankLine, "empty line");
        var marker = CefRecord.FindMarker(raw);
        if (marker < 0)
            return RowOutcome.Skipped(line, CommonSecurityLogReasons.NotCef, $"'{CommonSecurityLogMapper.Clip(raw)}'");
        if (!record.TryLoad(raw, marker, out var reason, out var detail))
            return RowOutcome.Rejected(line, reason, detail);
        return mapper.Map(record, line);
    }

    /// <summary>"&lt;PRI&gt;", an English month abbreviation and a space (RFC 3164), or an ISO date (RFC 5424 receivers).</summary>
    private static bool LooksLikeSyslog(ReadOnlySpan<byte> line)
    {
        if (line.Length >= 3 && line[0] == (byte)'<')
        {
            var close = line[..Math.Min(line.Length, 5)].IndexOf((byte)'>');
            return close >= 2 && !line[1..close].ContainsAnyExceptInRange((byte)'0', (byte)'9');
        }
        if (line.Length >= 4 && char.IsAsciiLetterUpper((char)line[0]) && char.IsAsciiLetterLower((char)line[1])
            && char.IsAsciiLetterLower((char)line[2]) && line[3] == (byte)' ')
            return true;
        return line.Length >= 5 && !line[..4].ContainsAnyExceptInRange((byte)'0', (byte)'9') && line[4] == (byte)'-';
    }

    /// <summary>Remembers the last byte read, to tell whether the input ended with a line break.</summary>
    private sealed class LastByteStream(Stream inner) : ForwardOnlyStream(inner)
    {
        public int LastByte { get; private set; } = -1;

        public override int Read(Span<byte> buffer)
        {
            var n = Inner.Read(buffer);
            if (n > 0)
                LastByte = buffer[n - 1];
            return n;
        }
    }
}
