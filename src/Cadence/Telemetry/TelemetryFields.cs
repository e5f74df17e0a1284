namespace Cadence.Telemetry;

/// <summary>
/// The normalized fields a source can provide. A source declares what it carries so an analytic
/// that needs a missing field is skipped with a reason rather than run on invented values.
/// </summary>
[Flags]
public enum TelemetryFields
{
    None = 0,
    Timestamp = 1 << 0,
    DeviceName = 1 << 1,
    ActionType = 1 << 2,
    RemoteIP = 1 << 3,
    RemotePort = 1 << 4,
    RemoteIPType = 1 << 5,
    RemoteUrl = 1 << 6,
    ProcessName = 1 << 7,
    SentBytes = 1 << 8,
    ReceivedBytes = 1 << 9,
    LocalIP = 1 << 10,
    LocalPort = 1 << 11,
    Protocol = 1 << 12,
    Duration = 1 << 13,
    ConnectionState = 1 << 14,
    DestinationHost = 1 << 15,
    HttpMethod = 1 << 16,
    UserAgent = 1 << 17,
    StatusCode = 1 << 18,
    Ja3 = 1 << 19,
    Ja3s = 1 << 20,
    ProcessId = 1 << 21,
    ProcessCommandLine = 1 << 22,
    WebSocketUpgrade = 1 << 23,
    AggregatedCount = 1 << 24,
    Observer = 1 << 25,
    SentIpBytes = 1 << 26,
}
