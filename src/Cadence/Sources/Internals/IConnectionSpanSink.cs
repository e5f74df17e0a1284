using Cadence.Telemetry;

namespace Cadence.Sources.Internals;

/// <summary>
/// A plain connection row's fields as the reader holds them: spans into the row, valid only
/// during <see cref="IConnectionSpanSink.Accept(in ConnectionSpans)"/>.
/// </summary>
internal readonly ref struct ConnectionSpans
{
    public required long TimestampTicks { get; init; }
    public required ReadOnlySpan<char> ActionType { get; init; }
    public required ReadOnlySpan<char> DeviceName { get; init; }
    public required ReadOnlySpan<char> InitiatingProcessFileName { get; init; }
    public required ReadOnlySpan<char> RemoteIP { get; init; }
    public required int RemotePort { get; init; }
    public required ReadOnlySpan<char> RemoteIPType { get; init; }

    /// <summary>False when the export has no RemoteUrl column; an empty RemoteUrl is a value of its own.</summary>
    public required bool HasRemoteUrl { get; init; }
    public required ReadOnlySpan<char> RemoteUrl { get; init; }
    public required long? SentBytes { get; init; }
    public required long? ReceivedBytes { get; init; }

    /// <summary>Empty when the export has no command line for the row, or when the sink does not read <see cref="TelemetryFields.ProcessCommandLine"/>.</summary>
    public required ReadOnlySpan<char> ProcessCommandLine { get; init; }

    public required Provenance Provenance { get; init; }
}

/// <summary>
/// A sink that takes a validated connection row's fields as spans, before any string is made of
/// them: a reader that knows this interface hands it every plain connection row (not an
/// inspected one, nor one whose details live in AdditionalFields) this way instead of building
/// an event, and the sink accounts for the row itself.
/// </summary>
/// <remarks>
/// For the seed rule, which keys a few hundred thousand groups by four columns, interning each
/// row's device, process, address and URL and then hashing the strings again to find the group
/// cost about a fifth of a run (perf on the AOT binary over a 1M-row export); hashing the spans
/// once does the same work. Rows the reader does not pass this way still reach
/// <see cref="IEventSink.Accept"/> (or the preview of <see cref="IScopedEventSink"/>).
/// </remarks>
internal interface IConnectionSpanSink : IScopedEventSink
{
    void Accept(in ConnectionSpans connection);
}
