using Cadence.Telemetry;

namespace Cadence.Tests;

/// <summary>Builds normalized events for tests: a ConnectionSuccess to a public web port unless told otherwise.</summary>
internal static class Events
{
    public static readonly DateTime T0 = new(2024, 3, 26, 0, 0, 0, DateTimeKind.Utc);
    private static readonly InputFile TestInput = new("test");

    public static NetworkEvent At(DateTime time, string device = "ws-1", string process = "beacon.exe", string ip = "203.0.113.7",
        int port = 443, string ipType = "Public", string action = "ConnectionSuccess", long? sent = null, long? received = null, string? url = null) =>
        new()
        {
            TimestampTicks = time.Ticks,
            DeviceName = device,
            ActionType = action,
            RemoteIP = ip,
            RemotePort = port,
            RemoteIPType = ipType,
            RemoteUrl = url,
            InitiatingProcessFileName = process,
            SentBytes = sent,
            ReceivedBytes = received,
            Provenance = new Provenance(TestInput, 1),
        };

    /// <summary><paramref name="count"/> events <paramref name="intervalSeconds"/> apart, the first at <paramref name="start"/>.</summary>
    public static IEnumerable<NetworkEvent> Series(DateTime start, int count, double intervalSeconds, string device = "ws-1", string ip = "203.0.113.7") =>
        Enumerable.Range(0, count).Select(i => At(start.AddTicks((long)(i * intervalSeconds * TimeSpan.TicksPerSecond)), device: device, ip: ip));
}
