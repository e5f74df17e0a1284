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

    public static PolicyOutcome Apply(IReadOnlyList<Finding> findings, HuntContext context)
    {
        var tuning = context.Tuning;
        var byChannel = findings.ToLookup(f => (f.Device, f.Process, f.Destination));
        var fleetPeriods = findings
            .Where(f => f.Analytic == BeaconAnalytic.AnalyticName && f.PeriodSeconds is not null)
            .GroupBy(f => f.Destination, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Median(g.Select(f => f.PeriodSeconds!.Value)), StringComparer.Ordinal);

        var kept = new List<Finding>(findings.Count);
        var suppressed = new List<Finding>();
        foreach (var finding in findings)
        {
            var severity = finding.Severity;
            var reasons = new List<string>(finding.Reasons);

            if (finding.Analytic == BeaconAnalytic.AnalyticName)
            {
                var others = byChannel[(finding.Device, finding.Process, finding.Destination)]
                    .Where(f => f.Analytic != finding.Analytic && f.Severity >= Severity.Low)
                    .Select(f => f.Analytic).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                if (others.Count > 0 && severity >= Severity.Low)
                {
                    severity = SeverityThresholds.Raise(severity, others.Count);
                    reasons.Add($"also flagged on this channel by: {string.Join(", ", others)}");
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
                    reasons.Add($"rare destination: {prevalence.Devices} of {prevalence.FleetDevices} devices reach it");
                }
                else if (common && rules.CommonLower > 0 && !finding.MatchesIndicator && SharesFleetCadence(finding, fleetPeriods))
                {
                    severity = SeverityThresholds.Raise(severity, -rules.CommonLower);
                    reasons.Add($"fleet software: {prevalence.Devices} of {prevalence.FleetDevices} devices reach it"
                        + (finding.PeriodSeconds is null ? string.Empty : " at the same cadence"));
                }
            }

            var knownBad = tuning.KnownBad.Match(finding.Destination, null)
                ?? finding.RemoteIPs.Select(ip => tuning.KnownBad.Match(null, ip)).FirstOrDefault(m => m is not null);
            if (knownBad is not null)
            {
                severity = Severity.Critical;
                reasons.Add($"known-bad indicator: {knownBad}");
            }

            var adjusted = finding with { Severity = severity, Reasons = reasons };
            if (knownBad is null && tuning.Allowlist.Match(finding.Process, finding.Destination) is { } entry)
                suppressed.Add(adjusted with { SuppressedBy = entry.Name, Reasons = [.. reasons, $"allowlisted ({AllowlistEntry.ClassName(entry.Class)}): {entry.Reason}"] });
            else
                kept.Add(adjusted);
        }

        return new PolicyOutcome(Sort(kept), Sort(suppressed));
    }

    /// <summary>Non-beacon findings have no cadence: fleet-wide use alone makes them software.</summary>
    private static bool SharesFleetCadence(Finding finding, Dictionary<string, double> fleetPeriods)
    {
        if (finding.PeriodSeconds is not { } period)
            return true;
        return fleetPeriods.TryGetValue(finding.Destination, out var fleet) && fleet > 0 && Math.Abs(period / fleet - 1) <= SameCadence;
    }

    private static List<Finding> Sort(List<Finding> findings) =>
        [.. findings.OrderByDescending(f => f.Severity).ThenByDescending(f => f.Score)
            .ThenBy(f => f.Device, StringComparer.Ordinal).ThenBy(f => f.Destination, StringComparer.Ordinal).ThenBy(f => f.Analytic, StringComparer.Ordinal)
            .ThenBy(f => f.Process, StringComparer.Ordinal)];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
