using Cadence.Telemetry;

namespace Cadence.Sources.Defender;

// PLACEHOLDER being replaced right now by the JSON reader work; see the helper's task.
public sealed class DefenderJsonFormat : ITelemetryFormat
{
    public string Name => "Defender DeviceNetworkEvents JSON (Graph runHuntingQuery response, array of rows, NDJSON)";

    public bool Recognizes(ReadOnlySpan<byte> head) => false;

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context) => throw new NotSupportedException();
}
