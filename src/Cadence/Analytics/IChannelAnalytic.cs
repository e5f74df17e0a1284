using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Telemetry;

namespace Cadence.Analytics;

/// <summary>One analytic over a run's channels: beacon timing, user agents, fingerprints, processes...</summary>
public interface IChannelAnalytic
{
    /// <summary>The name findings carry in their <c>analytic</c> field.</summary>
    string Name { get; }

    /// <summary>An input must provide all of these for the analytic to see anything in it.</summary>
    TelemetryFields Requires { get; }

    /// <summary>Findings before fleet-wide policy (prevalence, allowlist, indicators) is applied.</summary>
    IReadOnlyList<Finding> Evaluate(HuntContext context);
}

/// <summary>What every analytic of a run sees: the channels, the tuning, and fleet-wide counts.</summary>
public sealed class HuntContext
{
    public HuntContext(ChannelSet channels, TuningFile tuning)
    {
        Channels = channels;
        Tuning = tuning;
        // Count each (destination, device) pair once: one set of pairs, not a set per destination
        // (a fleet's export has a hundred thousand destinations, most reached by one device).
        var pairs = new HashSet<(string Destination, string Device)>();
        _devicesByDestination = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in channels.Channels.Keys)
        {
            if (pairs.Add((key.Destination, key.Device)))
                _devicesByDestination[key.Destination] = _devicesByDestination.GetValueOrDefault(key.Destination) + 1;
        }
    }

    private readonly Dictionary<string, int> _devicesByDestination;

    public ChannelSet Channels { get; }

    public TuningFile Tuning { get; }

    /// <summary>What each input provides (empty when unknown): an analytic can tell a field no input logs from a value no event had.</summary>
    public IReadOnlyList<TelemetryFields> InputFields { get; init; } = [];

    public int FleetDevices => Channels.Devices.Count;

    public Prevalence PrevalenceOf(string destination) =>
        new(_devicesByDestination.GetValueOrDefault(destination), FleetDevices);

    /// <summary>The channel's connections in the window, first and last seen, byte totals: what every finding reports.</summary>
    public static Finding Describe(ChannelKey key, ChannelSeries series, string analytic, double score, Severity severity, Prevalence prevalence)
    {
        var connections = series.Connections;
        long? sent = null, received = null;
        foreach (ref readonly var c in connections)
        {
            if (c.SentBytes >= 0) sent = (sent ?? 0) + c.SentBytes;
            if (c.ReceivedBytes >= 0) received = (received ?? 0) + c.ReceivedBytes;
        }
        return new Finding
        {
            Device = key.Device,
            Process = key.Process,
            Destination = key.Destination,
            RemoteIPs = [.. series.RemoteIPs.Order(StringComparer.Ordinal)],
            RemotePorts = [.. series.RemotePorts.Order()],
            Analytic = analytic,
            Score = score,
            Severity = severity,
            ConnectionCount = connections.Length + series.Overflow + series.AggregatedExtra,
            FirstSeenTicks = connections.IsEmpty ? series.FirstTicks : connections[0].Ticks,
            LastSeenTicks = connections.IsEmpty ? series.LastTicks : connections[^1].Ticks,
            BytesSent = sent,
            BytesReceived = received,
            Prevalence = prevalence,
            Evidence = series.FirstEvidence?.ToString(),
        };
    }
}
