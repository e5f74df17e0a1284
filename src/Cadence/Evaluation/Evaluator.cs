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

/// <summary>The seed rule, RITA and Cadence (every analytic together) with the alert line at one severity.</summary>
/// <param name="AlertAt">A finding at this severity or above is an alert.</param>
/// <param name="Methods">seed, rita and cadence, in that order; the seed rule's result is the same at every line.</param>
public sealed record AlertLineResult(Severity AlertAt, IReadOnlyList<MethodResult> Methods);

/// <summary>Every method's result on the same data, and the implant profiles with the analytic meant to find each.</summary>
/// <param name="Methods">At <see cref="EvaluationOptions.AlertAt"/>: seed, rita, cadence, then cadence:ANALYTIC.</param>
/// <param name="AlertLines">The trade-off between implants found and false alerts at every line, lowest first, from the same hunts.</param>
public sealed record EvaluationReport(int Channels, int Devices, IReadOnlyList<MethodResult> Methods, IReadOnlyList<(string Profile, string ExpectedAnalytic)> Profiles)
{
    public IReadOnlyList<AlertLineResult> AlertLines { get; init; } = [];
}

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

    /// <summary>The alert lines compared: every severity from low up, and <see cref="EvaluationOptions.AlertAt"/> when it is below.</summary>
    public static IReadOnlyList<Severity> AlertLinesFor(Severity alertAt) =>
        [.. Enum.GetValues<Severity>().Where(s => s >= Severity.Low || s == alertAt)];

    public static EvaluationReport Run(EvaluationOptions options)
    {
        // One hunt per detector serves every line: it keeps findings from the lowest line up and
        // each line filters them, so the lines cannot disagree about the data they were run on.
        var lines = AlertLinesFor(options.AlertAt);
        var lowest = lines[0];
        var cadence = Hunt.Run(new HuntOptions(options.Paths, options.Tuning, options.AsOf, options.Window) { MinSeverity = lowest });
        var rita = Hunt.Run(new HuntOptions(options.Paths, options.Tuning, options.AsOf, options.Window) { Scoring = BeaconScoring.Rita, MinSeverity = lowest });
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
                // In name order: the channels come in the order the reader threads made them, and
                // the false alerts evaluate lists must not change from run to run.
                ? names.Order(StringComparer.Ordinal).Select(n => new AlertedChannel(r.DeviceName, r.InitiatingProcessFileName, n))
                : [new AlertedChannel(r.DeviceName, r.InitiatingProcessFileName, r.RemoteIP)])
            .Distinct().ToList();

        var seedResult = Score(SeedMethod, seedAlerts, options.Labels, channels);
        var alertLines = lines.Select(line => new AlertLineResult(line,
        [
            seedResult,
            Score(RitaMethod, Channels(rita.Findings.Where(f => f.Severity >= line)), options.Labels, channels),
            Score(CadenceMethod, Channels(cadence.Findings.Where(f => f.Severity >= line)), options.Labels, channels),
        ])).ToList();

        var cadenceAlerts = cadence.Findings.Where(f => f.Severity >= options.AlertAt).ToList();
        var methods = alertLines.Single(l => l.AlertAt == options.AlertAt).Methods.ToList();
        foreach (var analytic in cadenceAlerts.Select(f => f.Analytic).Distinct().Order(StringComparer.Ordinal))
            methods.Add(Score($"{CadenceMethod}:{analytic}", Channels(cadenceAlerts.Where(f => f.Analytic == analytic)), options.Labels, channels));

        var profiles = options.Labels.Where(l => l.IsImplant).Select(l => (l.Profile, l.ExpectedAnalytic)).Distinct().OrderBy(p => p.Profile, StringComparer.Ordinal).ToList();
        return new EvaluationReport(channels, cadence.Channels.Devices.Count, methods, profiles) { AlertLines = alertLines };
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
