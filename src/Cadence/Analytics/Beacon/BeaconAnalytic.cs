using Cadence.Channels;
using Cadence.Scoring;
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
        var candidates = context.Channels.Channels.Where(kv => kv.Value.Count >= parameters.MinCheckIns).ToArray();
        var findings = new Finding?[candidates.Length];
        Parallel.For(0, candidates.Length, i =>
        {
            var (key, series) = candidates[i];
            var connections = series.Connections;
            var ticks = new long[connections.Length];
            var sizes = new long[connections.Length];
            var anySize = false;
            for (var c = 0; c < connections.Length; c++)
            {
                ticks[c] = connections[c].Ticks;
                sizes[c] = connections[c].SentBytes;
                anySize |= sizes[c] >= 0;
            }
            var assessment = BeaconScorer.Assess(ticks, anySize ? sizes : [], parameters);
            if (!assessment.Scored)
                return;
            var severity = tuning.Severity.Classify(assessment.Score);
            var period = Math.Round(assessment.PeriodSeconds, 3);
            if (!context.Builds(severity, key, series, period))
                return;
            var reasons = new List<string>(assessment.Reasons);
            if (series.Overflow > 0)
                reasons.Add($"{series.Overflow:N0} more connections than the {series.Count:N0} timed (a strobe)");
            if (series.Failed > 0)
                reasons.Add($"{series.Failed:N0} failed attempts, not timed");
            if (series.RemoteIPs.Count > 1)
                reasons.Add($"reached over {series.RemoteIPs.Count} addresses (one name: CDN or rotating infrastructure)");
            findings[i] = HuntContext.Describe(key, series, Name, assessment.Score, severity, context.PrevalenceOf(key.Destination)) with
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
        });
        return [.. findings.OfType<Finding>()];
    }
}
