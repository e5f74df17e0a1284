namespace Cadence.Scoring.Tuning;

/// <summary>How channels are timed (<c>beacon:</c> in the tuning file).</summary>
/// <param name="MinConnections">Check-ins a channel needs before its timing is scored.</param>
/// <param name="DuplicateGap">A connection closer than this to the previous one in its channel is part of the same check-in.</param>
/// <param name="WebPorts">Ports treated as web traffic when the telemetry shows no HTTP or TLS.</param>
/// <param name="MaxConnectionsPerChannel">Beyond this many connections a channel is a strobe: counted, not timed.</param>
public sealed record BeaconTuning(int MinConnections, TimeSpan DuplicateGap, IReadOnlyList<int> WebPorts, int MaxConnectionsPerChannel)
{
    // A handful of ports: a scan beats a hash set at this size.
    public bool IsWebPort(int port)
    {
        foreach (var webPort in WebPorts)
        {
            if (webPort == port)
                return true;
        }
        return false;
    }
}
