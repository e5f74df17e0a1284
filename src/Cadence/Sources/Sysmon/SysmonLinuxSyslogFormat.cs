using System.Text;
using System.Xml;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Sysmon;

/// <summary>
/// Sysmon for Linux as it reaches syslog: one event per line, the same event XML as on Windows
/// (without the namespace) after whatever prefix the logger wrote, e.g.
/// <c>Mar 26 09:39:50 host1 sysmon: &lt;Event&gt;&lt;System&gt;&lt;Provider Name="Linux-Sysmon" .../&gt;...&lt;/Event&gt;</c>,
/// an RFC 5424 timestamp instead, <c>sysmon[1234]:</c> from journalctl, or no prefix at all
/// (<c>journalctl -u sysmon -o cat</c>). The prefix is not parsed: the event starts at <c>&lt;Event</c>.
/// </summary>
/// <remarks>
/// Recognized when the first line looks like a log line and a line of the head holds an event
/// start tag, its System element and the word sysmon (in the prefix or the provider's name),
/// and the head is not Windows event XML (that is <see cref="SysmonXmlFormat"/>'s). Only the
/// head is looked at: a syslog file whose first Sysmon line comes after its first 64 KB is not
/// recognized (give <c>grep sysmon</c> or <c>journalctl -u sysmon</c> output instead). Lines of other programs are skipped and counted; a
/// line whose XML is malformed or cut short is rejected with its line, and reading goes on with
/// the next line. Events are mapped exactly as Windows ones are (<see cref="SysmonEventMapper"/>).
/// </remarks>
public sealed class SysmonLinuxSyslogFormat : ITelemetryFormat
{
    internal const string OtherProgram = "syslog line of another program (not a Sysmon event)";
    internal const string LineTooLong = "line too long";

    // The same bound as one Windows event: far above any real Sysmon line.
    internal const int DefaultMaxLineChars = SysmonXmlFormat.DefaultMaxEventBytes;

    private readonly int _maxLineChars;

    public SysmonLinuxSyslogFormat()
        : this(DefaultMaxLineChars)
    {
    }

    internal SysmonLinuxSyslogFormat(int maxLineChars) => _maxLineChars = maxLineChars;

    public string Name => "Sysmon for Linux (syslog, journald)";

    public TelemetryFields MayProvide => SysmonEventMapper.Provides;

    public bool Recognizes(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head);
        if (text.Contains(SysmonText.EventsNamespace, StringComparison.Ordinal))
            return false;
        // The first line must look like a log line: a file of another format that merely holds
        // Sysmon lines in a cell (a CSV export of Sentinel's Syslog table) is not syslog.
        var first = true;
        // The last line may be cut by the end of the head; an event's start shows all the same.
        foreach (var line in text.AsSpan().TrimStart().EnumerateLines())
        {
            if (first && !LooksLikeLogLine(line))
                return false;
            first = false;
            if (IsSysmonLine(line))
                return true;
        }
        return false;
    }

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>
    /// A syslog or journald line starts with a priority or a bare event (&lt;), an RFC 5424 or
    /// ISO timestamp (a digit), or an RFC 3164 one (a month's abbreviation and a space).
    /// </summary>
    private static bool LooksLikeLogLine(ReadOnlySpan<char> line)
    {
        if (line.IsEmpty)
            return false;
        if (line[0] == '<' || char.IsAsciiDigit(line[0]))
            return true;
        if (line.Length < 4 || line[3] != ' ')
            return false;
        foreach (var month in Months)
        {
            if (line.StartsWith(month, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    public int ReadOrder(ReadOnlySpan<byte> head) => SysmonText.ReadOrder(Encoding.UTF8.GetString(head));

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        var sysmon = new SysmonInput(context, input, Name);
        using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var lines = new BoundedLineReader(text, _maxLineChars);
        var settings = new XmlReaderSettings
        {
            // One name table for every line's parser: element and attribute names are atomized once, not per line.
            NameTable = new NameTable(),
            ConformanceLevel = ConformanceLevel.Fragment,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 1024,
            MaxCharactersInDocument = _maxLineChars,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
        };
        while (lines.TryReadLine(out var line))
        {
            ReadLine(line, lines.LineNumber, sysmon, settings);
            foreach (var e in sysmon.Ready)
                yield return e;
            sysmon.Ready.Clear();
        }
    }

    public IEnumerable<NetworkEvent> Finish(ReadContext context) => SysmonInput.Finish(context);

    private void ReadLine(string? line, long number, SysmonInput sysmon, XmlReaderSettings settings)
    {
        if (line is null)
        {
            sysmon.Ingest.Reject(number, LineTooLong, $"more than {_maxLineChars:N0} characters");
            return;
        }
        if (string.IsNullOrWhiteSpace(line))
        {
            sysmon.Ingest.Skip(number, RowReasons.BlankLine, "empty");
            return;
        }
        var start = SysmonText.EventStart(line);
        if (start < 0 || !line.Contains("sysmon", StringComparison.OrdinalIgnoreCase))
        {
            sysmon.Ingest.Skip(number, OtherProgram, $"'{SysmonEventMapper.Clip(line)}'");
            return;
        }
        try
        {
            // Whatever a relay appended after the event's end tag is not Sysmon's and is not parsed.
            var end = line.IndexOf("</Event>", start, StringComparison.Ordinal);
            var xml = end < 0 ? line[start..] : line[start..(end + "</Event>".Length)];
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            reader.MoveToContent();
            sysmon.Record.ReadEvent(reader);
        }
        catch (XmlException ex)
        {
            sysmon.Ingest.Reject(number, SysmonXmlFormat.Malformed, SysmonXmlFormat.Shorten(ex.Message));
            return;
        }
        sysmon.Accept(number);
    }

    private static bool IsSysmonLine(ReadOnlySpan<char> line)
    {
        var start = SysmonText.EventStart(line);
        return start >= 0
            && line[start..].Contains("<System>", StringComparison.Ordinal)
            && line.Contains("sysmon", StringComparison.OrdinalIgnoreCase);
    }
}
