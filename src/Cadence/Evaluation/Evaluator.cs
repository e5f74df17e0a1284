using Cadence.Analytics;
using Cadence.Analytics.Seed;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Evaluation;

/// <summary>How to evaluate: the data, its labels, and what counts as an alert.</summary>
/// <param name="AlertAt">A finding at this severity or above is an alert (the seed rule alerts on every row it returns).</param>
public sealed record EvaluationOptions(IReadOnlyList<string> Paths, IReadOnlyList<Label> Labels, TuningFile Tuning, DateTime? AsOf = null, TimeSpan? Window = null, Severity AlertAt = Severity.Medium);

/// <summary>How one detector did on the labelled data.</summary>
/// <param name="Method">seed, rita, cadence (every analytic together) or cadence:ANALYTIC.</param>
/// <param name="FoundByProfile">Implants found and labelled, per profile.</param>
/// <param name="FalseAlerts">Alerted channels that are not a labelled implant, each with the benign profile it belongs to ("unlabelled" when none).</param>
public sealed record MethodResult(string Method, IReadOnlyDictionary<string, (int Found, int Total)> FoundByProfile, IReadOnlyList<(string Channel, string Profile)> FalseAlerts, int Channels)
{
    public int Found => FoundByProfile.Values.Sum(v => v.Found);

    public int Implants => FoundByProfile.Values.Sum(v => v.Total);

    public double Recall => Implants == 0 ? 0 : (double)Found / Implants;

    public double FalseAlertsPerThousandChannels => Channels == 0 ? 0 : 1000.0 * FalseAlerts.Count / Channels;
}

/// <summary>Every method's result on the same data, and the implant profiles with the analytic meant to find each.</summary>
public sealed record EvaluationReport(int Channels, int Devices, IReadOnlyList<MethodResult> Methods, IReadOnlyList<(string Profile, string ExpectedAnalytic)> Profiles);

/// <summary>
/// Runs the seed rule, the RITA score and Cadence's analytics on the same labelled data and
/// counts, for each, the implants found and the false alerts: the numbers that say whether
/// Cadence is better than what it replaces.
/// </summary>
public static class Evaluator
{
    public const string SeedMethod = "seed";
    public const string RitaMethod = "rita";
    public const string CadenceMethod = "cadence";

    public static EvaluationReport Run(EvaluationOptions options)
    {
        var cadence = Hunt.Run(new HuntOptions(options.Paths, options.Tuning, options.AsOf, options.Window) { MinSeverity = options.AlertAt });
        var rita = Hunt.Run(new HuntOptions(options.Paths, options.Tuning, options.AsOf, options.Window) { Scoring = BeaconScoring.Rita, MinSeverity = options.AlertAt });
        var seed = SeedHunt.Run(new SeedHuntOptions(options.Paths, options.AsOf, options.Window));
        var channels = cadence.Channels.Channels.Count;

        // The seed rule groups by remote address and port; the labels name destinations. The
        // channels know which addresses each (device, process, destination) used.
        var destinationsByAddress = new Dictionary<(string, string, string), List<string>>();
        foreach (var (key, series) in cadence.Channels.Channels)
        {
            foreach (var ip in series.RemoteIPs)
            {
                var k = (key.Device, key.Process, ip);
                if (!destinationsByAddress.TryGetValue(k, out var list))
                    destinationsByAddress[k] = list = [];
                list.Add(key.Destination);
            }
        }
        var seedAlerts = seed.Rows
            .SelectMany(r => destinationsByAddress.TryGetValue((r.DeviceName, r.InitiatingProcessFileName, r.RemoteIP), out var names)
                ? names.Select(n => new AlertedChannel(r.DeviceName, r.InitiatingProcessFileName, n))
                : [new AlertedChannel(r.DeviceName, r.InitiatingProcessFileName, r.RemoteIP)])
            .Distinct().ToList();

        var cadenceAlerts = cadence.Findings.Where(f => f.Severity >= options.AlertAt).ToList();
        var methods = new List<MethodResult>
        {
            Score(SeedMethod, seedAlerts, options.Labels, channels),
            Score(RitaMethod, Channels(rita.Findings.Where(f => f.Severity >= options.AlertAt)), options.Labels, channels),
            Score(CadenceMethod, Channels(cadenceAlerts), options.Labels, channels),
        };
        foreach (var analytic in cadenceAlerts.Select(f => f.Analytic).Distinct().Order(StringComparer.Ordinal))
            methods.Add(Score($"{CadenceMethod}:{analytic}", Channels(cadenceAlerts.Where(f => f.Analytic == analytic)), options.Labels, channels));

        var profiles = options.Labels.Where(l => l.IsImplant).Select(l => (l.Profile, l.ExpectedAnalytic)).Distinct().OrderBy(p => p.Profile, StringComparer.Ordinal).ToList();
        return new EvaluationReport(channels, cadence.Channels.Devices.Count, methods, profiles);
    }

    private readonly record struct AlertedChannel(string Device, string Process, string Destination)
    {
        public override string ToString() => Process.Length == 0 ? $"{Device} -> {Destination}" : $"{Device} {Process} -> {Destination}";
    }

    private static List<AlertedChannel> Channels(IEnumerable<Finding> findings) =>
        findings.Select(f => new AlertedChannel(f.Device, f.Process, f.Destination)).Distinct().ToList();

    private static MethodResult Score(string method, List<AlertedChannel> alerts, IReadOnlyList<Label> labels, int channels)
    {
        var found = new Dictionary<string, (int Found, int Total)>(StringComparer.Ordinal);
        foreach (var implant in labels.Where(l => l.IsImplant))
        {
            var hit = alerts.Any(a => Matches(implant, a));
            var (f, t) = found.GetValueOrDefault(implant.Profile);
            found[implant.Profile] = (f + (hit ? 1 : 0), t + 1);
        }
        var falseAlerts = new List<(string, string)>();
        foreach (var alert in alerts)
        {
            if (labels.Any(l => l.IsImplant && Matches(l, alert)))
                continue;
            var benign = labels.FirstOrDefault(l => !l.IsImplant && Matches(l, alert));
            falseAlerts.Add((alert.ToString(), benign?.Profile ?? "unlabelled"));
        }
        return new MethodResult(method, found, falseAlerts, channels);
    }

    /// <summary>Device and destination must agree; the process too when both sides know it.</summary>
    private static bool Matches(Label label, AlertedChannel alert) =>
        string.Equals(label.Device, alert.Device, StringComparison.OrdinalIgnoreCase)
        && string.Equals(label.Destination, alert.Destination, StringComparison.OrdinalIgnoreCase)
        && (label.Process.Length == 0 || alert.Process.Length == 0 || string.Equals(label.Process, alert.Process, StringComparison.OrdinalIgnoreCase));
}
