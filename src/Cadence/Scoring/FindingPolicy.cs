using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Cadence.Analytics;
using Cadence.Analytics.Beacon;
using Cadence.Scoring.Tuning;

namespace Cadence.Scoring;

/// <summary>Findings that stand, and those the allowlist set aside (each naming its entry).</summary>
public sealed record PolicyOutcome(IReadOnlyList<Finding> Findings, IReadOnlyList<Finding> Suppressed);

/// <summary>
/// Fleet-wide judgement applied after every analytic has spoken, in this order: signals from
/// other analytics on the same channel raise a beacon; prevalence raises rare destinations and
/// lowers fleet software; a known-bad indicator makes a finding critical; the allowlist sets
/// aside the seed's known false positives (never a known-bad one).
/// </summary>
public static class FindingPolicy
{
    // A channel whose period is within this share of the median period of the destination's
    // other channels beacons "at the same cadence" as them.
    private const double SameCadence = 0.25;

    // From this many other beacon findings on one destination the fleet's own spread of periods
    // is known: software that schedules itself loosely (Windows Update every 1-4 h, log-normal)
    // puts each device's period anywhere in a wide band around the median, and a device at the
    // edge of that band is still at the fleet's cadence. With twenty, the 10th and 90th
    // percentiles sit two values in from each end, so a couple of implants on a common name
    // cannot set the band they are measured against.
    private const int FleetSpreadFrom = 20;

    // A band wider than this (90th over 10th percentile) is not one schedule but many clients of
    // a shared service (graph.microsoft.com, api.github.com, both used for C2): it would cover
    // almost any sleep, so only the median counts there. Windows Update's 1-4 h spans about 2.
    private const double MaxFleetSpread = 4;

    public static PolicyOutcome Apply(IReadOnlyList<Finding> findings, HuntContext context)
    {
        var tuning = context.Tuning;
        // Only the other analytics' findings at low or above raise a beacon: those few are indexed
        // by channel, not every finding of the run.
        var otherSignals = new Dictionary<(string Device, string Process, string Destination), List<string>>();
        foreach (var f in findings)
        {
            if (f.Analytic == BeaconAnalytic.AnalyticName || f.Severity < Severity.Low)
                continue;
            if (!otherSignals.TryGetValue((f.Device, f.Process, f.Destination), out var analytics))
                otherSignals[(f.Device, f.Process, f.Destination)] = analytics = [];
            analytics.Add(f.Analytic);
        }
        var fleetPeriods = new FleetPeriods();
        foreach (var f in findings)
        {
            if (f.Analytic == BeaconAnalytic.AnalyticName && f.PeriodSeconds is { } period)
                fleetPeriods.Add(f.Destination, period);
        }
        foreach (var (destination, period) in context.UnbuiltPeriods)
            fleetPeriods.Add(destination, period);

        // A run's findings share a few thousand destinations, addresses and processes: each
        // indicator and allowlist lookup (an address parse, a scan of the entries) is made once
        // per distinct value, not once per finding. Findings are judged on every core (each on
        // its own; the fleet's periods are only read): one thread took about 15 ms at the end of
        // an all-analytics run on the 1M-row export with the other core idle (perf). The order
        // they are judged in does not matter: both lists are sorted on a total order.
        var knownBadNames = new ConcurrentDictionary<string, string?>(StringComparer.Ordinal);
        var knownBadAddresses = new ConcurrentDictionary<string, string?>(StringComparer.Ordinal);
        var namedProcesses = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var judged = new (Finding Finding, bool Suppressed)[findings.Count];
        try
        {
            Parallel.For(0, findings.Count, context.Parallelism, i => judged[i] = Judge(findings[i]));
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions.Count == 1)
        {
            // A failure reaches the caller as itself, as when findings were judged in turn.
            ExceptionDispatchInfo.Throw(ex.Flatten().InnerExceptions[0]);
        }
        var kept = new List<Finding>(findings.Count);
        var suppressed = new List<Finding>();
        foreach (var (finding, isSuppressed) in judged)
            (isSuppressed ? suppressed : kept).Add(finding);

        return new PolicyOutcome(Sort(kept), Sort(suppressed));

        (Finding, bool) Judge(Finding finding)
        {
            var severity = finding.Severity;
            List<string>? reasons = null;
            List<string> Reasons() => reasons ??= new List<string>(finding.Reasons);

            if (finding.Analytic == BeaconAnalytic.AnalyticName)
            {
                var others = otherSignals.TryGetValue((finding.Device, finding.Process, finding.Destination), out var analytics)
                    ? analytics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()
                    : [];
                if (others.Count > 0 && severity >= Severity.Low)
                {
                    severity = SeverityThresholds.Raise(severity, others.Count);
                    Reasons().Add($"also flagged on this channel by: {string.Join(", ", others)}");
                }
            }

            var prevalence = finding.Prevalence;
            var rules = tuning.Prevalence;
            if (prevalence.FleetDevices >= rules.MinFleetDevices)
            {
                var rare = rules.IsRare(prevalence.Devices, prevalence.FleetDevices);
                var common = rules.IsCommon(prevalence.Devices, prevalence.FleetDevices);
                if (rare && severity >= Severity.Low && rules.RareRaise > 0)
                {
                    severity = SeverityThresholds.Raise(severity, rules.RareRaise);
                    Reasons().Add($"rare destination: {prevalence.Devices} of {prevalence.FleetDevices} devices reach it");
                }
                else if (common && rules.CommonLower > 0 && !finding.MatchesIndicator && SharesFleetCadence(finding, fleetPeriods))
                {
                    severity = SeverityThresholds.Raise(severity, -rules.CommonLower);
                    Reasons().Add($"fleet software: {prevalence.Devices} of {prevalence.FleetDevices} devices reach it"
                        + (finding.PeriodSeconds is null ? string.Empty : " at the same cadence"));
                }
            }

            var knownBad = KnownBadName(finding.Destination);
            foreach (var ip in finding.RemoteIPs)
            {
                if (knownBad is not null)
                    break;
                knownBad = KnownBadAddress(ip);
            }
            if (knownBad is not null)
            {
                severity = Severity.Critical;
                Reasons().Add($"known-bad indicator: {knownBad}");
            }

            // Unchanged findings are kept as they are: most of a run's are, and a copy of each was
            // most of this step's allocations.
            var adjusted = severity == finding.Severity && reasons is null ? finding : finding with { Severity = severity, Reasons = Reasons() };
            if (knownBad is null && Allowlisted(finding.Process, finding.Destination) is { } entry)
                return (adjusted with { SuppressedBy = entry.Name, Reasons = [.. adjusted.Reasons, $"allowlisted ({AllowlistEntry.ClassName(entry.Class)}): {entry.Reason}"] }, true);
            return (adjusted, false);
        }

        string? KnownBadName(string destination) =>
            knownBadNames.GetOrAdd(destination, static (name, indicators) => indicators.Match(name, null), tuning.KnownBad);

        string? KnownBadAddress(string ip) =>
            knownBadAddresses.GetOrAdd(ip, static (address, indicators) => indicators.Match(null, address), tuning.KnownBad);

        // Every entry is keyed by process AND destination: a process no entry names is never
        // allowlisted, and most findings' processes are named by none, so the destination
        // suffixes are searched only for the processes some entry names.
        AllowlistEntry? Allowlisted(string process, string destination)
        {
            var named = namedProcesses.GetOrAdd(process, NamedByAnEntry);
            return named ? tuning.Allowlist.Match(process, destination) : null;
        }

        bool NamedByAnEntry(string process)
        {
            var name = NameMatching.FileName(process);
            foreach (var entry in tuning.Allowlist.Entries)
            {
                foreach (var candidate in entry.Processes)
                {
                    if (name.Equals(candidate, StringComparison.OrdinalIgnoreCase))
                        return true;
                }
            }
            return false;
        }
    }

    /// <summary>
    /// True when the finding's period is the fleet's for its destination, judged against the
    /// destination's other beacon findings (its own period left out, so a lone channel to a
    /// common name is never its own fleet): within 25 % of their median period or, with at
    /// least <see cref="FleetSpreadFrom"/> of them, inside their 10th to 90th percentile widened
    /// by the same 25 %, provided that band spans at most <see cref="MaxFleetSpread"/> times.
    /// Non-beacon findings have no cadence: fleet-wide use alone makes them software.
    /// </summary>
    /// <param name="fleetPeriods">Every beacon finding's period (built or not) by destination, sorted.</param>
    internal static bool SharesFleetCadence(Finding finding, FleetPeriods fleetPeriods)
    {
        if (finding.PeriodSeconds is not { } period)
            return true;
        if (!fleetPeriods.TryGetSorted(finding.Destination, out var periods))
            return false;
        var others = new Others(periods, period);
        if (others.Count == 0)
            return false;
        if (others.Count >= FleetSpreadFrom)
        {
            // The band holds the median +-25 % too; wider than MaxFleetSpread it is many
            // schedules, and no period is "the fleet's".
            var low = others[(int)Math.Ceiling(0.10 * others.Count) - 1];
            var high = others[(int)Math.Ceiling(0.90 * others.Count) - 1];
            return low > 0 && high / low <= MaxFleetSpread && period >= low * (1 - SameCadence) && period <= high * (1 + SameCadence);
        }
        var median = others.Count % 2 == 1 ? others[others.Count / 2] : (others[others.Count / 2 - 1] + others[others.Count / 2]) / 2;
        return median > 0 && Math.Abs(period / median - 1) <= SameCadence;
    }

    /// <summary>A sorted array read as if one occurrence of a value were not in it.</summary>
    private readonly ref struct Others
    {
        private readonly ReadOnlySpan<double> _sorted;
        private readonly int _skipped;

        public Others(ReadOnlySpan<double> sorted, double value)
        {
            _sorted = sorted;
            var at = sorted.BinarySearch(value);
            _skipped = at >= 0 ? at : -1;
        }

        public int Count => _skipped >= 0 ? _sorted.Length - 1 : _sorted.Length;

        public double this[int rank] => _skipped >= 0 && rank >= _skipped ? _sorted[rank + 1] : _sorted[rank];
    }

    /// <summary>Strongest first; then by score, device, destination, analytic and process (one finding per channel and analytic, so no two tie).</summary>
    private static List<Finding> Sort(List<Finding> findings)
    {
        findings.Sort(static (a, b) =>
        {
            // As integers: an enum's CompareTo boxes both values, an allocation per comparison.
            var c = ((int)b.Severity).CompareTo((int)a.Severity);
            if (c == 0) c = b.Score.CompareTo(a.Score);
            if (c == 0) c = string.CompareOrdinal(a.Device, b.Device);
            if (c == 0) c = string.CompareOrdinal(a.Destination, b.Destination);
            if (c == 0) c = string.CompareOrdinal(a.Analytic, b.Analytic);
            if (c == 0) c = string.CompareOrdinal(a.Process, b.Process);
            return c;
        });
        return findings;
    }
}

/// <summary>
/// The periods of every beacon finding of a run (built or not), by destination, sorted when a
/// destination's are first asked for: only findings towards common destinations ask, and
/// grouping and sorting all of a 1M-row export's 29,000 periods up front was about half of the
/// policy step, which runs on one thread (perf).
/// </summary>
internal sealed class FleetPeriods
{
    private readonly Dictionary<string, List<double>> _byDestination = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double[]> _sorted = new(StringComparer.Ordinal);

    public void Add(string destination, double period)
    {
        if (!_byDestination.TryGetValue(destination, out var periods))
            _byDestination[destination] = periods = [];
        periods.Add(period);
    }

    /// <summary>The destination's periods in ascending order; false when it has none. Thread-safe once every period is added.</summary>
    public bool TryGetSorted(string destination, out double[] periods)
    {
        lock (_sorted)
        {
            if (_sorted.TryGetValue(destination, out periods!))
                return true;
            if (!_byDestination.TryGetValue(destination, out var added))
                return false;
            periods = [.. added];
            Array.Sort(periods);
            _sorted[destination] = periods;
            return true;
        }
    }
}
