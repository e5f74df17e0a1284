using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources;

/// <summary>
/// One file format Cadence reads, recognized from the first bytes of its content (never from
/// the file name) and turned into normalized events.
/// </summary>
public interface ITelemetryFormat
{
    /// <summary>Shown in summaries and in the error for unreadable input ("Defender DeviceNetworkEvents CSV").</summary>
    string Name { get; }

    /// <summary>Every normalized field an input of this format can carry (a given input may carry fewer: its header decides).</summary>
    TelemetryFields MayProvide { get; }

    /// <summary>True when <paramref name="head"/> (the first bytes, BOM removed, possibly cut mid-line) is this format.</summary>
    bool Recognizes(ReadOnlySpan<byte> head);

    /// <summary>
    /// Streams the events of one input. The format opens its account with
    /// <see cref="IngestLog.Begin"/> once it knows which fields the input provides, and books
    /// every row in it: read, skipped or rejected.
    /// </summary>
    IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context);

    /// <summary>
    /// Delivers the events of one input to <paramref name="sink"/>, possibly from several threads
    /// (see <see cref="IEventSink"/>). Formats that parse in parallel override this; the
    /// default streams <see cref="Read"/> on the calling thread.
    /// </summary>
    void ReadInto(Stream content, InputFile input, ReadContext context, IEventSink sink)
    {
        foreach (var e in Read(content, input, context))
            sink.Accept(e);
    }

    /// <summary>
    /// When, within one run, this input is read relative to others: lower first. Logs that only
    /// enrich others (Zeek http.log and ssl.log, linked to conn.log by uid) go before them.
    /// </summary>
    int ReadOrder(ReadOnlySpan<byte> head) => 0;

    /// <summary>Events this format can only give once every input is read (records that never found their link).</summary>
    IEnumerable<NetworkEvent> Finish(ReadContext context) => [];
}

/// <summary>What every format reader shares within one run.</summary>
public sealed class ReadContext(IngestLog log, StringPool pool)
{
    public IngestLog Log { get; } = log;

    public StringPool Pool { get; } = pool;

    /// <summary>Threads a reader may use to parse rows; the account still lists rows in input order.</summary>
    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Bytes read so far, for a progress display.</summary>
    public ReadProgress Progress { get; init; } = new();

    private readonly Dictionary<Type, object> _formatState = [];

    /// <summary>State a format keeps across the inputs of one run (Zeek's uid links), created on first use.</summary>
    public T StateOf<T>() where T : class, new()
    {
        lock (_formatState)
        {
            if (!_formatState.TryGetValue(typeof(T), out var state))
                _formatState[typeof(T)] = state = new T();
            return (T)state;
        }
    }
}
