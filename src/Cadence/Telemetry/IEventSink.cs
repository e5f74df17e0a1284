namespace Cadence.Telemetry;

/// <summary>
/// Where a reader delivers normalized events when it parses on several threads at once.
/// </summary>
/// <remarks>
/// <see cref="Accept"/> is called concurrently from the reader's worker threads, in no
/// particular order; an implementation keeps per-thread state and merges it at the end. This is
/// how grouping runs beside parsing instead of behind it on one consuming thread.
/// </remarks>
public interface IEventSink
{
    void Accept(in NetworkEvent e);
}
