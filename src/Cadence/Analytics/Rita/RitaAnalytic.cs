using System.Globalization;
using Cadence.Scoring;
using Cadence.Telemetry;

namespace Cadence.Analytics.Rita;

/// <summary>
/// RITA v5's beacon score over Cadence's channels (<c>--scoring rita</c>), for comparison: RITA's
/// own 24 h window and hour-bucketed series start, whole-second timestamps, originator IP bytes.
/// Cadence's channel is RITA's host ("sni") series when the destination has a name, and its IP
/// series otherwise.
/// </summary>
public sealed class RitaAnalytic : IChannelAnalytic
{
    public const string AnalyticName = "rita";

    /// <summary>RITA's series reach back to the start of the hour 24 h before the latest connection: gather that much.</summary>
    public static readonly TimeSpan GatherWindow = TimeSpan.FromSeconds(RitaWindow.SpanSeconds) + TimeSpan.FromHours(1);

    public string Name => AnalyticName;

    public TelemetryFields Requires => TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.RemoteIP;

    public IReadOnlyList<Finding> Evaluate(HuntContext context)
    {
        var set = context.Channels;
        var window = RitaWindow.FromTicks(set.AsOfTicks, Math.Min(set.EarliestTicks, set.AsOfTicks));
        var candidates = set.Channels.Where(kv => kv.Value.Count >= RitaBeaconScore.MinimumDistinctTimestamps).ToArray();
        var findings = new Finding?[candidates.Length];
        Parallel.For(0, candidates.Length, context.Parallelism, i =>
        {
            var (key, series) = candidates[i];
            var seconds = new long[series.Count];
            series.CopyTimesTo(seconds);
            for (var c = 0; c < seconds.Length; c++)
                seconds[c] = RitaWindow.UnixSeconds(seconds[c]);
            // Where the telemetry gives times alone no connection has bytes: RITA's data-size score is left out.
            var whole = series.WholeConnections;
            var bytes = new long[whole.Length];
            var bytesKnown = !whole.IsEmpty;
            for (var c = 0; c < whole.Length; c++)
            {
                // RITA reads orig_ip_bytes; where a source has only payload bytes, those are the nearest measure.
                bytes[c] = whole[c].SentIpBytes >= 0 ? whole[c].SentIpBytes : whole[c].SentBytes;
                bytesKnown &= bytes[c] >= 0;
            }
            var score = RitaBeaconScore.Score(seconds, bytesKnown ? bytes : [], window);
            if (!score.Scored || !context.Builds(score.Severity, key, series))
                return;
            var reasons = new List<string>
            {
                string.Create(CultureInfo.InvariantCulture,
                    $"RITA v5 beacon {score.Beacon:0.000}: timestamps {score.Timestamp:0.000}, data size {(score.DataSize is { } ds ? ds.ToString("0.000", CultureInfo.InvariantCulture) : "unknown")}, duration {score.Duration:0.000}, histogram {score.Histogram:0.000}"),
                $"{score.Connections:N0} connections in RITA's window ({score.DistinctTimestamps:N0} distinct seconds)",
            };
            if (!score.BytesKnown)
                reasons.Add("bytes unknown in this telemetry: RITA's data-size quarter counted as 0");
            findings[i] = HuntContext.Describe(key, series, Name, score.Beacon, score.Severity, context.PrevalenceOf(key.Destination)) with
            {
                ConnectionCount = score.Connections,
                SubScores = new Dictionary<string, double?>
                {
                    ["ts"] = score.Timestamp,
                    ["ds"] = score.DataSize,
                    ["dur"] = score.Duration,
                    ["hist"] = score.Histogram,
                },
                Reasons = reasons,
            };
        });
        return [.. findings.OfType<Finding>()];
    }
}
