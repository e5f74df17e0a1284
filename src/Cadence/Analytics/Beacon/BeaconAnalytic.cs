using System.Globalization;
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
        // Counts from the table's glances, not from each channel's series (a cache miss apiece).
        var table = context.Channels.Channels;
        var all = table.All;
        var glances = table.Glances;
        var candidates = new List<KeyValuePair<ChannelKey, ChannelSeries>>();
        for (var i = 0; i < all.Length; i++)
        {
            if (glances[i].Connections >= parameters.MinCheckIns)
                candidates.Add(all[i]);
        }
        var findings = new Finding?[candidates.Count];
        Parallel.For(0, candidates.Count, context.Parallelism, () => new ColumnBuffers(), (i, _, buffers) =>
        {
            var (key, series) = candidates[i];
            var ticks = buffers.Ticks(series.Count);
            var sizes = buffers.Sizes(series.Count);
            series.CopyTimesTo(ticks);
            var anySize = series.CopySentBytesTo(sizes);
            findings[i] = Score(context, key, series, ticks, anySize ? sizes : [], parameters, buffers.Scratch);
            return buffers;
        }, _ => { });
        return [.. findings.OfType<Finding>()];
    }

    /// <summary>The channel's finding; null when it is not scored, or scored below what the run builds.</summary>
    private Finding? Score(HuntContext context, ChannelKey key, ChannelSeries series, ReadOnlySpan<long> ticks, ReadOnlySpan<long> sizes,
        BeaconParameters parameters, BeaconScratch scratch)
    {
        var tuning = context.Tuning;
        var assessment = BeaconScorer.Assess(ticks, sizes, parameters, scratch);
        if (!assessment.Scored)
            return null;
        var severity = tuning.Severity.Classify(assessment.Score);
        // Never below low: the finding stays listed at the default --min-severity, and another
        // analytic's finding on the channel can still raise it in the fleet policy.
        var browserStack = severity > Severity.Low ? BrowserStack(key, series, context, tuning) : null;
        if (browserStack is not null)
        {
            var lowered = (Severity)Math.Max((int)Severity.Low, (int)SeverityThresholds.Raise(severity, -tuning.Ja3.BrowserStackLower));
            browserStack = $"lowered from {SeverityName(severity)} to {SeverityName(lowered)}: {browserStack}";
            severity = lowered;
        }
        var period = Math.Round(assessment.PeriodSeconds, 3);
        if (!context.Builds(severity, key, series, period))
            return null;
        // Looked up only for findings built: most channels scored are not.
        var prevalence = context.PrevalenceOf(key.Destination);
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
    /// Why the channel is a browser's own traffic (<c>ja3.browser_stack_lower</c>); null when it
    /// is not, or may not be. Every condition closes a way to hide an implant behind it: the
    /// process, where the telemetry has one, is a browser that permutes its ClientHello (an
    /// implant.exe is never lowered); at least <c>ja3.randomizing_fingerprints</c> distinct JA3
    /// values, and at least half the channel's handshakes bring a JA3 it had not seen (a fixed
    /// stack repeats its one fingerprint; an implant sharing a host with the user's browser on a
    /// sensor with no process repeats its own far more often than the browser adds new ones); no
    /// known-bad fingerprint; and a destination that is not rare, since an extension or an
    /// implant that mimics Chrome's ClientHello (uTLS) still beacons to a server few devices know.
    /// </summary>
    private static string? BrowserStack(ChannelKey key, ChannelSeries series, HuntContext context, TuningFile tuning)
    {
        var ja3 = tuning.Ja3;
        if (ja3.BrowserStackLower == 0 || series.Ja3.Count < ja3.RandomizingFingerprints)
            return null;
        if (key.Process.Length > 0 && !ja3.IsRandomizingProcess(key.Process))
            return null;
        var tracked = series.Ja3.Count + series.Ja3Repeats;
        if (series.Ja3Repeats * 2 > tracked)
            return null;
        if (tuning.KnownBad.Ja3.Match(series.Ja3, series.Ja3s) is not null)
            return null;
        var prevalence = context.PrevalenceOf(key.Destination);
        var rarity = Rarity.Of(prevalence, tuning.Prevalence);
        if (rarity is not (DestinationRarity.Ordinary or DestinationRarity.Common))
            return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"a browser's own TLS stack ({series.Ja3.Count:N0} distinct JA3 values and {series.Ja3Repeats:N0} repeats over {series.Ja3Handshakes:N0} handshakes on this channel) towards a destination that is not rare ({Rarity.Describe(prevalence)}): a page refreshing itself or long polling, not an implant using the system's TLS");
    }

    private static string SeverityName(Severity severity) => severity.ToString().ToLowerInvariant();

    /// <summary>A thread's timestamp and size columns and the scorer's working arrays, reused from channel to channel.</summary>
    private sealed class ColumnBuffers
    {
        public BeaconScratch Scratch { get; } = new();

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
