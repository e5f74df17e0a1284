using System.Text;
using System.Xml;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Sysmon;

/// <summary>
/// Sysmon's Microsoft-Windows-Sysmon/Operational log as Windows event XML: what
/// <c>wevtutil qe Microsoft-Windows-Sysmon/Operational /f:xml</c> writes (a run of
/// <c>&lt;Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"&gt;</c> elements with no
/// root, one a line), what <c>Get-WinEvent ... | ForEach-Object { $_.ToXml() }</c> writes, the
/// same pretty-printed, and either inside an <c>&lt;Events&gt;</c> root (wevtutil /e:Events, Event
/// Viewer's Save as XML). UTF-8 or UTF-16 with a byte order mark, gzip or not.
/// </summary>
/// <remarks>
/// <para>
/// Recognized from the first element (Event, or Events then Event) in the events namespace,
/// whatever provider wrote it; events of other providers are skipped and counted, so a mixed
/// ForwardedEvents export reads too. Event ID 3 becomes a connection, Event ID 1 gives its
/// command line to that process's connections (see <see cref="SysmonLinks"/>), other ids are
/// skipped and counted by kind.
/// </para>
/// <para>
/// The input is untrusted: a DTD is refused outright (no entity expansion, no billion laughs),
/// nothing is ever fetched, and one event may take at most a few MB. An XML stream cannot be
/// resynchronized after a syntax error (the parser's state is gone, and a gzip or standard
/// input stream cannot seek back), so malformed XML is rejected at the event where it starts and
/// the rest of that input is not read: counted, with a warning naming the file and line.
/// </para>
/// </remarks>
public sealed class SysmonXmlFormat : ITelemetryFormat
{
    internal const string Malformed = "malformed XML";
    internal const string TooLarge = "Sysmon event too large";
    internal const string NotAnEvent = "not an event element";
    internal const string TextOutsideEvents = "text outside any event";

    // A Sysmon event is 2 to 4 KB; a process creation with two maximal command lines (32,767
    // characters each, the Windows limit) stays under 200 KB. Far above that, low enough that
    // hostile input cannot make the parser buffer gigabytes for one event.
    internal const int DefaultMaxEventBytes = 4 << 20;

    private readonly int _maxEventBytes;

    public SysmonXmlFormat()
        : this(DefaultMaxEventBytes)
    {
    }

    internal SysmonXmlFormat(int maxEventBytes) => _maxEventBytes = maxEventBytes;

    public string Name => "Sysmon event XML (wevtutil, Get-WinEvent ToXml)";

    public TelemetryFields MayProvide => SysmonEventMapper.Provides;

    public bool Recognizes(ReadOnlySpan<byte> head)
    {
        var utf16 = head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]);
        if (!utf16 && !head.TrimStart(" \t\r\n"u8).StartsWith("<"u8))
            return false;

        // The parser decides, so a declaration, a comment or a DTD before the first element do
        // not fool it. DTDs are skipped unparsed here: only Read refuses them, with a reason.
        var settings = new XmlReaderSettings
        {
            ConformanceLevel = ConformanceLevel.Document,
            DtdProcessing = DtdProcessing.Ignore,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
        };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(head.ToArray(), writable: false), settings);
            if (reader.MoveToContent() != XmlNodeType.Element)
                return false;
            if (reader.LocalName == "Events" && reader.NamespaceURI.Length == 0 && !reader.IsEmptyElement)
            {
                reader.Read();
                reader.MoveToContent();
            }
            return reader.NodeType == XmlNodeType.Element && reader.LocalName == "Event"
                && reader.NamespaceURI == SysmonText.EventsNamespace;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    public int ReadOrder(ReadOnlySpan<byte> head) => SysmonText.ReadOrder(SysmonText.Decode(head));

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        var sysmon = new SysmonInput(context, input, Name);
        using var budget = new EventBudgetStream(content, _maxEventBytes);
        // Invalid UTF-8 (an ANSI code page export) becomes U+FFFD rather than ending the input.
        using var text = new StreamReader(budget, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        using var reader = XmlReader.Create(text, new XmlReaderSettings
        {
            ConformanceLevel = ConformanceLevel.Fragment,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = false,
        });
        var more = true;
        while (more)
        {
            more = Step(reader, budget, sysmon, context.Log);
            foreach (var e in sysmon.Ready)
                yield return e;
            sysmon.Ready.Clear();
        }
    }

    public IEnumerable<NetworkEvent> Finish(ReadContext context) => SysmonInput.Finish(context);

    /// <summary>Reads up to and including the next record; false once the input is done (read to its end, or abandoned).</summary>
    private static bool Step(XmlReader reader, EventBudgetStream budget, SysmonInput sysmon, IngestLog log)
    {
        var where = (IXmlLineInfo)reader;
        long line = 0;
        try
        {
            if (reader.ReadState == ReadState.Initial)
                reader.Read();
            while (reader.ReadState == ReadState.Interactive)
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element when reader.LocalName == "Event":
                        line = where.LineNumber;
                        budget.Reset();
                        sysmon.Record.ReadEvent(reader);
                        sysmon.Accept(line);
                        return true;
                    case XmlNodeType.Element when reader.LocalName == "Events" && reader.Depth == 0:
                        reader.Read();
                        break;
                    case XmlNodeType.Element:
                        line = where.LineNumber;
                        budget.Reset();
                        var name = reader.Name;
                        reader.Skip();
                        sysmon.Ingest.Reject(line, NotAnEvent, $"<{SysmonEventMapper.Clip(name)}>");
                        return true;
                    case XmlNodeType.Text or XmlNodeType.CDATA:
                        line = where.LineNumber;
                        reader.Read();
                        sysmon.Ingest.Reject(line, TextOutsideEvents, "character data between events");
                        return true;
                    default:
                        reader.Read();
                        break;
                }
            }
            return false;
        }
        catch (XmlException ex)
        {
            line = line > 0 ? line : Math.Max(1, ex.LineNumber);
            var (reason, detail) = budget.Exceeded
                ? (TooLarge, $"more than {budget.Budget:N0} bytes in one event")
                : (Malformed, Shorten(ex.Message));
            var input = sysmon.Ingest.Input.DisplayName;
            sysmon.Ingest.Reject(line, reason, detail);
            log.Warn($"{input}:{line}: {reason}: the rest of this input was not read (an XML stream cannot be resumed after an error)");
            return false;
        }
    }

    // Parser messages quote the offending markup, which the input controls: keep them short.
    internal static string Shorten(string message) => message.Length <= 200 ? message : string.Concat(message.AsSpan(0, 197), "...");

    /// <summary>
    /// Ends the stream, as if the input stopped there, once one event has pulled more than its
    /// budget: the parser then fails on the unfinished event, and <see cref="Exceeded"/> tells
    /// why. Cheaper and surer than a per-document character limit, which for a fragment stream
    /// would apply to the whole file.
    /// </summary>
    private sealed class EventBudgetStream(Stream inner, int budget) : ForwardOnlyStream(inner)
    {
        private long _used;

        public int Budget => budget;

        public bool Exceeded { get; private set; }

        /// <summary>Starts the budget of a new event; bytes the parser buffered before count against the previous one.</summary>
        public void Reset() => _used = 0;

        public override int Read(Span<byte> buffer)
        {
            if (Exceeded)
                return 0;
            var n = Inner.Read(buffer);
            _used += n;
            if (_used > budget)
            {
                Exceeded = true;
                return 0;
            }
            return n;
        }
    }
}
