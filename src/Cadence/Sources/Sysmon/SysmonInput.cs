using System.Text;
using Cadence.Telemetry;

namespace Cadence.Sources.Sysmon;

/// <summary>
/// What both Sysmon formats do with each record of one input: map it, book it in the input's
/// account, and pass connections and process creations to the run's links.
/// </summary>
internal sealed class SysmonInput
{
    private readonly InputFile _input;
    private readonly SysmonEventMapper _mapper;
    private readonly SysmonLinks _links;

    public SysmonInput(ReadContext context, InputFile input, string format)
    {
        _input = input;
        _mapper = new SysmonEventMapper(context.Pool);
        _links = context.StateOf<SysmonLinks>();
        Ingest = context.Log.Begin(input, format, SysmonEventMapper.Provides);
        _links.Register(Ingest);
    }

    public InputIngest Ingest { get; }

    /// <summary>The record being read: filled by the format, then given to <see cref="Accept"/>.</summary>
    public SysmonRecord Record { get; } = new();

    /// <summary>Events to hand out after the last record; the format empties it.</summary>
    public List<NetworkEvent> Ready { get; } = [];

    /// <param name="line">1-based line where the record starts.</param>
    public void Accept(long line)
    {
        var mapped = _mapper.Map(Record, new Provenance(_input, line));
        if (mapped.Outcome.Account(Ingest))
            _links.Route(mapped.Outcome.Event, mapped.Process, Ready);
        else if (mapped.IsProcessCreation)
            _links.Remember(mapped.Process, mapped.CommandLine, Ingest, Ready);
    }

    /// <summary>Everything still waiting for its process creation, once every input is read.</summary>
    public static IEnumerable<NetworkEvent> Finish(ReadContext context)
    {
        var ready = new List<NetworkEvent>();
        context.StateOf<SysmonLinks>().Flush(ready);
        return ready;
    }
}

/// <summary>Text-level tests on the first bytes of an input and on single lines.</summary>
internal static class SysmonText
{
    public const string EventsNamespace = "http://schemas.microsoft.com/win/2004/08/events/event";

    /// <summary>Where an <c>&lt;Event&gt;</c> or <c>&lt;Event ...&gt;</c> start tag begins (not EventData, EventID, Events); -1 when none.</summary>
    public static int EventStart(ReadOnlySpan<char> line)
    {
        var offset = 0;
        while (true)
        {
            var at = line[offset..].IndexOf("<Event", StringComparison.Ordinal);
            if (at < 0)
                return -1;
            var start = offset + at;
            var after = start + "<Event".Length;
            if (after == line.Length || line[after] is '>' or '/' or ' ' or '\t' or '\r' or '\n')
                return start;
            offset = after;
        }
    }

    /// <summary>The head as text: UTF-16 when its byte order mark says so (Windows PowerShell 5.1 redirects write UTF-16), else UTF-8.</summary>
    public static string Decode(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
            return Encoding.Unicode.GetString(head[2..(2 + ((head.Length - 2) & ~1))]);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            return Encoding.BigEndianUnicode.GetString(head[2..(2 + ((head.Length - 2) & ~1))]);
        return Encoding.UTF8.GetString(head);
    }

    /// <summary>
    /// Inputs whose first events are process creations and no connections (an export filtered to
    /// Event ID 1) are read first: their command lines are then known when the connections come,
    /// and nothing has to wait for them.
    /// </summary>
    public static int ReadOrder(string head) =>
        head.Contains("<EventID>1</EventID>", StringComparison.Ordinal) && !head.Contains("<EventID>3</EventID>", StringComparison.Ordinal) ? -1 : 0;
}
