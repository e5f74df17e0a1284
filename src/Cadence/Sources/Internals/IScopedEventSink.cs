using Cadence.Telemetry;

namespace Cadence.Sources.Internals;

/// <summary>
/// A sink that needs only some events, and only some fields of them, and can tell which from a
/// few cheap fields before a reader builds the event. A reader that knows this interface skips
/// interning the strings of events the sink refuses and of fields it never reads.
/// </summary>
/// <remarks>
/// Interning and building an event cost about as much as parsing its row (perf on the AOT
/// binary over a Defender export); an analytic that admits a fraction of the rows, or reads a
/// few of the fields, should not pay for the rest.
/// <para>
/// Every event a reader reads reaches the sink once: either as a preview the sink refuses, after
/// which it is never delivered, or through <see cref="IEventSink.Accept"/>, with or without a
/// preview before (a reader may skip the preview, as events held to the end of a read are).
/// Readers call both from several threads at once, as Accept.
/// </para>
/// </remarks>
internal interface IScopedEventSink : IEventSink
{
    /// <summary>The fields the sink reads from a delivered event; a reader may leave the others unset.</summary>
    TelemetryFields Reads { get; }

    /// <summary>
    /// Whether the sink wants the event of which <paramref name="preview"/> carries the timestamp,
    /// ActionType, RemotePort, RemoteIPType and provenance (every other string empty, every other
    /// field unset). When it returns false the sink has accounted for the event and the reader
    /// does not deliver it.
    /// </summary>
    bool Wants(in NetworkEvent preview);
}
