using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Telemetry;

namespace Cadence.Analytics.Beacon;

/// <summary>
/// Cadence's own beacon analytic: every channel with enough check-ins is timed by
/// <see cref="BeaconScorer"/> and scored; the severity comes from the tuning file's thresholds.
/// </summary>
public sealed class BeaconAnalytic : IChannelAnalytic
{
    public const string AnalyticName = "beacon";

    public string Name => AnalyticName;

    public TelemetryFields Requires => TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.RemoteIP;

    public IReadOnlyList<Finding> Evaluate(HuntContext context)
    {
        var tuning = context.Tuning;
        var parameters = new BeaconParameters(tuning.Beacon.MinConnections, tuning.Beacon.DuplicateGap, TimeSpan.FromTicks(context.Channels.WindowTicks));
        // A walk over the table's array: LINQ over it goes through the dictionary interface's
        // enumerator, about 2 % of an all-analytics run on a 200k-channel export (perf).
        var candidates = new List<KeyValuePair<ChannelKey, ChannelSeries>>();
        foreach (var channel in context.Channels.Channels.All)
        {
            if (channel.Value.Count >= parameters.MinCheckIns)
                candidates.Add(channel);
        }
        var findings = new Finding?[candidates.Count];
        Parallel.For(0, candidates.Count, () => new ColumnBuffers(), (i, _, buffers) =>
        {
            var (key, series) = candidates[i];
            var connections = series.Connections;
            var ticks = buffers.Ticks(connections.Length);
            var sizes = buffers.Sizes(connections.Length);
            var anySize = false;
            for (var c = 0; c < connections.Length; c++)
            {
                ticks[c] = connections[c].Ticks;
                sizes[c] = connections[c].SentBytes;
                anySize |= sizes[c] >= 0;
            }
            findings[i] = Score(context, key, series, ticks, anySize ? sizes : [], parameters);
            return buffers;
        }, _ => { });
        return [.. findings.OfType<Finding>()];
    }

    /// <summary>The channel's finding; null when it is not scored, or scored below what the run builds.</summary>
    private Finding? Score(HuntContext context, ChannelKey key, ChannelSeries series, ReadOnlySpan<long> ticks, ReadOnlySpan<long> sizes,
        BeaconParameters parameters)
    {
        var tuning = context.Tuning;
        var assessment = BeaconScorer.Assess(ticks, sizes, parameters);
        if (!assessment.Scored)
            return null;
        var severity = tuning.Severity.Classify(assessment.Score);
        var prevalence = context.PrevalenceOf(key.Destination);
        var browserStack = BrowserStack(series, prevalence, tuning);
        if (browserStack is not null)
            severity = SeverityThresholds.Raise(severity, -tuning.Ja3.BrowserStackLower);
        var period = Math.Round(assessment.PeriodSeconds, 3);
        if (!context.Builds(severity, key, series, period))
            return null;
        var reasons = new List<string>(assessment.Reasons);
        if (browserStack is not null)
            reasons.Add(browserStack);
        if (series.Overflow > 0)
            reasons.Add($"{series.Overflow:N0} more connections than the {series.Count:N0} timed (a strobe)");
        if (series.Failed > 0)
            reasons.Add($"{series.Failed:N0} failed attempts, not timed");
        if (series.RemoteIPs.Count > 1)
            reasons.Add($"reached over {series.RemoteIPs.Count} addresses (one name: CDN or rotating infrastructure)");
        return HuntContext.Describe(key, series, Name, assessment.Score, severity, prevalence) with
        {
            PeriodSeconds = period,
            Jitter = Math.Round(assessment.Jitter, 3),
            SubScores = new Dictionary<string, double?>
            {
                ["regularity"] = assessment.Regularity,
                ["dataSize"] = assessment.SizeConsistency,
                ["persistence"] = assessment.Persistence,
                ["support"] = assessment.Support,
            },
            Reasons = reasons,
        };
    }

    /// <summary>
    /// Why the channel is a browser's own traffic (<c>ja3.browser_stack_lower</c>): its handshakes
    /// permute their JA3 as Chromium's TLS stack does, towards a destination that is not rare;
    /// null otherwise. A rare destination keeps its severity: a browser extension or an implant
    /// that mimics Chrome's ClientHello still beacons to a server few devices know.
    /// </summary>
    private static string? BrowserStack(ChannelSeries series, Prevalence prevalence, TuningFile tuning)
    {
        if (tuning.Ja3.BrowserStackLower == 0 || series.Ja3.Count < tuning.Ja3.RandomizingFingerprints)
            return null;
        var rarity = Rarity.Of(prevalence, tuning.Prevalence);
        if (rarity is not (DestinationRarity.Ordinary or DestinationRarity.Common))
            return null;
        return $"lowered {tuning.Ja3.BrowserStackLower} step(s): a browser's own TLS stack ({series.Ja3.Count} JA3 permutations on this channel) towards a destination that is not rare ({Rarity.Describe(prevalence)}): a page refreshing itself or long polling, not an implant using the system's TLS";
    }

    /// <summary>A thread's timestamp and size columns, reused from channel to channel.</summary>
    private sealed class ColumnBuffers
    {
        private long[] _ticks = [];
        private long[] _sizes = [];

        public Span<long> Ticks(int length)
        {
            Reserve(length);
            return _ticks.AsSpan(0, length);
        }

        public Span<long> Sizes(int length)
        {
            Reserve(length);
            return _sizes.AsSpan(0, length);
        }

        private void Reserve(int length)
        {
            if (_ticks.Length >= length)
                return;
            _ticks = new long[Math.Max(length, _ticks.Length * 2)];
            _sizes = new long[_ticks.Length];
        }
    }
}
