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
    public HuntContext(ChannelSet channels, TuningFile tuning, int degreeOfParallelism = 0)
    {
        Channels = channels;
        Tuning = tuning;
        Parallelism = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism > 0 ? degreeOfParallelism : Environment.ProcessorCount };
        _devicesByDestination = new DevicesByDestination(channels.Channels, Parallelism.MaxDegreeOfParallelism);
    }

    /// <summary>The run's degree of parallelism, for the analytics' parallel loops.</summary>
    public ParallelOptions Parallelism { get; }

    private readonly DevicesByDestination _devicesByDestination;

    public ChannelSet Channels { get; }

    public TuningFile Tuning { get; }

    /// <summary>What each input provides (empty when unknown): an analytic can tell a field no input logs from a value no event had.</summary>
    public IReadOnlyList<TelemetryFields> InputFields { get; init; } = [];

    public int FleetDevices => Channels.Devices.Count;

    /// <summary>
    /// Findings the analytics score below this, before the fleet policy, are counted and not
    /// built. The policy raises only findings at low or above (a known-bad indicator aside, which
    /// <see cref="Builds"/> checks first), so a run that writes low and above loses nothing by it,
    /// and on a fleet's export most findings are info: building each (its reasons, sub-scores
    /// and addresses) only to filter it out was most of the policy step and of the garbage
    /// collector's work after reading.
    /// </summary>
    public Severity BuildFrom { get; init; } = Severity.Info;

    private readonly long[] _unbuilt = new long[Enum.GetValues<Severity>().Length];

    /// <summary>Findings scored below <see cref="BuildFrom"/> and not built, by severity (before policy).</summary>
    public IReadOnlyList<long> UnbuiltBySeverity => _unbuilt;

    private readonly List<(string Destination, double PeriodSeconds)> _unbuiltPeriods = [];

    /// <summary>
    /// The destination and period of each beacon finding not built: the policy's "same cadence
    /// as the fleet" test takes the median period over every beacon finding of a destination,
    /// built or not.
    /// </summary>
    public IReadOnlyList<(string Destination, double PeriodSeconds)> UnbuiltPeriods => _unbuiltPeriods;

    /// <summary>
    /// True when an analytic should build its finding at <paramref name="severity"/> on this
    /// channel; otherwise the finding is counted as unbuilt. Thread-safe: analytics call it
    /// from parallel loops.
    /// </summary>
    /// <param name="beaconPeriodSeconds">The beacon analytic's period for the channel, as its finding would carry it.</param>
    public bool Builds(Severity severity, ChannelKey key, ChannelSeries series, double? beaconPeriodSeconds = null)
    {
        if (severity >= BuildFrom || IsKnownBad(key, series))
            return true;
        Interlocked.Increment(ref _unbuilt[(int)severity]);
        if (beaconPeriodSeconds is { } period)
        {
            lock (_unbuiltPeriods)
                _unbuiltPeriods.Add((key.Destination, period));
        }
        return false;
    }

    private bool IsKnownBad(ChannelKey key, ChannelSeries series)
    {
        var knownBad = Tuning.KnownBad;
        if (knownBad.IsEmpty)
            return false;
        if (knownBad.Matches(key.Destination, null))
            return true;
        foreach (var ip in series.RemoteIPs)
        {
            if (knownBad.Matches(null, ip))
                return true;
        }
        return false;
    }

    public Prevalence PrevalenceOf(string destination) =>
        new(_devicesByDestination.Of(destination), FleetDevices);

    /// <summary>The channel's connections in the window, first and last seen, byte totals: what every finding reports.</summary>
    public static Finding Describe(ChannelKey key, ChannelSeries series, string analytic, double score, Severity severity, Prevalence prevalence)
    {
        var (sent, received) = series.ByteTotals();
        var span = series.ConnectionSpan();
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
            ConnectionCount = series.Count + series.Overflow + series.AggregatedExtra,
            FirstSeenTicks = span?.First ?? series.FirstTicks,
            LastSeenTicks = span?.Last ?? series.LastTicks,
            BytesSent = sent,
            BytesReceived = received,
            Prevalence = prevalence,
            Evidence = series.FirstEvidence?.ToString(),
        };
    }
}
