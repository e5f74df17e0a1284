using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Telemetry;

namespace Cadence.Analytics.Tls;

/// <summary>What the JA3 analytic knows about one channel's TLS fingerprints.</summary>
/// <param name="KnownBad">The strongest known-bad match among the channel's JA3 values; null when none is listed.</param>
/// <param name="UniqueJa3">A JA3 of the channel that no other device in the data used; null when none.</param>
/// <param name="Process">The initiating process; empty for network sensors, which do not see it.</param>
/// <param name="KnownBrowser">The process is a browser that permutes its ClientHello extensions (<c>ja3.randomizing_processes</c>).</param>
/// <param name="ProcessFingerprints">Distinct JA3 values the same device and process showed over all its channels (0 when the process is unknown).</param>
/// <param name="ChannelFingerprints">Distinct JA3 values on this channel.</param>
/// <param name="Handshakes">TLS handshakes with a JA3 on this channel.</param>
public sealed record Ja3Evidence(
    Ja3Match? KnownBad,
    string? UniqueJa3,
    DestinationRarity Rarity,
    Prevalence Prevalence,
    string Process,
    bool KnownBrowser,
    int ProcessFingerprints,
    int ChannelFingerprints,
    long Handshakes);

/// <summary>What <see cref="Ja3Analytic.Assess"/> makes of a channel's fingerprints.</summary>
/// <param name="Severity">Null when the fingerprints are no finding.</param>
public sealed record Ja3Assessment(Severity? Severity, double Score, IReadOnlyList<string> Reasons);

/// <summary>
/// TLS client fingerprints (JA3, and the server's JA3S) where the telemetry carries them: Zeek's
/// ssl.log with the JA3 package, Defender's SslConnectionInspected. A fingerprint published as
/// malware's is high, with its C2 server's JA3S too critical. A fingerprint no other device uses,
/// kept steady towards a destination few devices reach, is a weak signal of its own (low) that
/// raises a beacon finding on the same channel; it is never used for a client that randomizes
/// its ClientHello (docs/analytics.md, "ja3").
/// </summary>
public sealed class Ja3Analytic : IChannelAnalytic
{
    public const string AnalyticName = "ja3";

    public string Name => AnalyticName;

    public TelemetryFields Requires => TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.Ja3;

    public IReadOnlyList<Finding> Evaluate(HuntContext context)
    {
        // Only channels with details carry a JA3.
        var channels = context.Channels.Channels.WithDetails;
        // Fleet-wide: which devices use each JA3, and how many a device's process shows.
        var devicesByJa3 = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        var byProcess = new Dictionary<(string Device, string Process), HashSet<string>>();
        foreach (var (key, series) in channels)
        {
            if (series.Ja3.Count == 0)
                continue;
            foreach (var ja3 in series.Ja3)
            {
                if (!devicesByJa3.TryGetValue(ja3, out var devices))
                    devicesByJa3[ja3] = devices = new HashSet<string>(StringComparer.Ordinal);
                devices.Add(key.Device);
            }
            if (key.Process.Length == 0)
                continue;
            if (!byProcess.TryGetValue((key.Device, key.Process), out var fingerprints))
                byProcess[(key.Device, key.Process)] = fingerprints = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            fingerprints.UnionWith(series.Ja3);
        }

        var knownBad = context.Tuning.KnownBad.Ja3;
        var tuning = context.Tuning.Ja3;
        var findings = new List<Finding>();
        foreach (var (key, series) in channels)
        {
            if (series.Ja3.Count == 0)
                continue;
            var prevalence = context.PrevalenceOf(key.Destination);
            var evidence = new Ja3Evidence(
                knownBad.Match(series.Ja3, series.Ja3s),
                series.Ja3.Where(j => devicesByJa3[j].Count == 1).Order(StringComparer.Ordinal).FirstOrDefault(),
                Rarity.Of(prevalence, context.Tuning.Prevalence),
                prevalence,
                key.Process,
                tuning.IsRandomizingProcess(key.Process),
                key.Process.Length == 0 ? 0 : byProcess[(key.Device, key.Process)].Count,
                series.Ja3.Count,
                series.Ja3Handshakes);
            var assessment = Assess(evidence, tuning);
            if (assessment.Severity is not { } severity || !context.Builds(severity, key, series))
                continue;
            findings.Add(HuntContext.Describe(key, series, Name, assessment.Score, severity, prevalence) with
            {
                MatchesIndicator = evidence.KnownBad is not null,
                SubScores = new Dictionary<string, double?>
                {
                    ["handshakes"] = series.Ja3Handshakes,
                    ["fingerprints"] = series.Ja3.Count,
                },
                Reasons = [.. assessment.Reasons, $"JA3 {string.Join(", ", series.Ja3.Order(StringComparer.Ordinal).Take(3))}"
                    + (series.Ja3s.Count > 0 ? $"; JA3S {string.Join(", ", series.Ja3s.Order(StringComparer.Ordinal).Take(3))}" : "")],
            });
        }
        return findings;
    }

    /// <summary>
    /// Known-bad JA3 with its JA3S: critical; the JA3 alone: high. A fingerprint unique to the
    /// device, steady over <see cref="Ja3Tuning.StableHandshakes"/> handshakes, towards a rare
    /// destination, from a client that does not randomize: one step more, or low on its own.
    /// </summary>
    public static Ja3Assessment Assess(Ja3Evidence evidence, Ja3Tuning tuning)
    {
        var reasons = new List<string>();
        var randomizing = RandomizingReason(evidence, tuning);
        var unusual = evidence.UniqueJa3 is not null && evidence.Rarity == DestinationRarity.Rare
            && randomizing is null && evidence.ChannelFingerprints == 1 && evidence.Handshakes >= tuning.StableHandshakes;

        Severity? severity = null;
        double score = 0;
        if (evidence.KnownBad is { } match)
        {
            var entry = match.Entry;
            severity = match.PairMatched ? Severity.Critical : Severity.High;
            score = match.PairMatched ? 1.0 : 0.85;
            reasons.Add(match.PairMatched
                ? $"known-bad JA3+JA3S pair: {entry.Name} (JA3 {entry.Ja3}, JA3S {entry.Ja3s}; source: {entry.Source})"
                : $"known-bad JA3: {entry.Name} (JA3 {entry.Ja3}; source: {entry.Source})"
                    + (entry.Ja3s is null ? "" : $"; its C2 server's JA3S {entry.Ja3s} not seen on this channel"));
        }
        if (unusual)
        {
            severity = severity is { } s ? SeverityThresholds.Raise(s, 1) : Severity.Low;
            score = Math.Max(score, 0.4);
            reasons.Add($"JA3 {evidence.UniqueJa3} used by this device only, steady over {evidence.Handshakes:N0} handshakes, "
                + $"towards a rare destination ({Rarity.Describe(evidence.Prevalence)})");
        }
        if (severity is not null && randomizing is not null && evidence.UniqueJa3 is not null)
            reasons.Add($"JA3 rarity not used: {randomizing}");
        return new Ja3Assessment(severity, score, reasons);
    }

    /// <summary>Why the client's JA3 says nothing by being rare; null when it is a fixed fingerprint.</summary>
    private static string? RandomizingReason(Ja3Evidence evidence, Ja3Tuning tuning)
    {
        if (evidence.KnownBrowser)
            return $"{evidence.Process} is a browser, and browsers permute their TLS extensions per connection (Chrome 110+, Firefox), so their JA3 changes every handshake";
        if (evidence.ProcessFingerprints >= tuning.RandomizingFingerprints)
            return $"{evidence.Process} showed {evidence.ProcessFingerprints} distinct JA3 values on this device: a client that randomizes its ClientHello";
        if (evidence.ChannelFingerprints > 1)
            return $"{evidence.ChannelFingerprints} distinct JA3 values on this channel: not one steady client fingerprint";
        if (evidence.Handshakes < tuning.StableHandshakes)
            return $"only {evidence.Handshakes} handshake(s): too few to tell a steady fingerprint from a randomized one";
        return null;
    }
}
