using Cadence.Analytics;
using Cadence.Evaluation;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Simulation;
using Cadence.Tests.Simulation;

namespace Cadence.Tests.Evaluation;

/// <summary>
/// A small labelled fleet (30 devices, one day, seed 3, Defender) evaluated at medium and at high,
/// with Cadence's and RITA's hunts run again on their own for an independent count.
/// </summary>
public sealed class EvaluatedFleet : IDisposable
{
    private readonly TempFiles _temp = new();

    public EvaluatedFleet()
    {
        var result = FleetSimulator.Run(new SimulationOptions(30, 1, 3, SimulationFormat.Defender, Path.Combine(_temp.Root, "fleet")));
        Paths = SimulatedFleet.DataFiles(result);
        Labels = LabelsFile.Read(result.Files.Single(f => Path.GetFileName(f.Path) == "labels.csv").Path);
        AtMedium = Evaluator.Run(new EvaluationOptions(Paths, Labels, TuningFile.Default));
        AtHigh = Evaluator.Run(new EvaluationOptions(Paths, Labels, TuningFile.Default, AlertAt: Severity.High));
        Findings = new Dictionary<string, IReadOnlyList<Finding>>
        {
            [Evaluator.CadenceMethod] = Hunt.Run(new HuntOptions(Paths, TuningFile.Default)).Findings,
            [Evaluator.RitaMethod] = Hunt.Run(new HuntOptions(Paths, TuningFile.Default) { Scoring = BeaconScoring.Rita }).Findings,
        };
    }

    public string[] Paths { get; }

    public IReadOnlyList<Label> Labels { get; }

    public EvaluationReport AtMedium { get; }

    public EvaluationReport AtHigh { get; }

    /// <summary>Every finding (from info up) of a hunt of its own, per detector.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Finding>> Findings { get; }

    public void Dispose() => _temp.Dispose();
}

/// <summary>The by-line table: implants found and false alerts at every alert line, from one hunt per detector.</summary>
public sealed class EvaluatorTests(EvaluatedFleet fleet) : IClassFixture<EvaluatedFleet>
{
    private static readonly Severity[] Lines = [Severity.Low, Severity.Medium, Severity.High, Severity.Critical];

    private static readonly string[] Detectors = [Evaluator.SeedMethod, Evaluator.RitaMethod, Evaluator.CadenceMethod];

    private static MethodResult At(EvaluationReport report, Severity line, string method) =>
        report.AlertLines.Single(l => l.AlertAt == line).Methods.Single(m => m.Method == method);

    [Fact]
    public void Every_line_from_low_to_critical_has_the_seed_rule_rita_and_cadence_in_order()
    {
        Assert.Equal(Lines, fleet.AtMedium.AlertLines.Select(l => l.AlertAt));
        Assert.All(fleet.AtMedium.AlertLines, l => Assert.Equal(Detectors, l.Methods.Select(m => m.Method)));
        // Below low, the line asked for is shown too.
        Assert.Equal([Severity.Info, .. Lines], Evaluator.AlertLinesFor(Severity.Info));
        Assert.Equal(Lines, Evaluator.AlertLinesFor(Severity.Critical));
    }

    [Fact]
    public void Rita_and_cadence_at_every_line_agree_with_a_count_of_their_own_findings_at_that_line()
    {
        var implants = fleet.Labels.Where(l => l.IsImplant).ToList();
        foreach (var method in new[] { Evaluator.RitaMethod, Evaluator.CadenceMethod })
        {
            foreach (var line in Lines)
            {
                // The oracle: the distinct channels of the findings at or above the line, against the labels by hand.
                var alerted = fleet.Findings[method].Where(f => f.Severity >= line)
                    .Select(f => (f.Device, f.Process, f.Destination))
                    .ToHashSet();
                bool IsLabel(Label label, (string Device, string Process, string Destination) a) =>
                    label.Device.Equals(a.Device, StringComparison.OrdinalIgnoreCase) && label.Destination.Equals(a.Destination, StringComparison.OrdinalIgnoreCase)
                    && (label.Process.Length == 0 || a.Process.Length == 0 || label.Process.Equals(a.Process, StringComparison.OrdinalIgnoreCase));
                var found = implants.Count(i => alerted.Any(a => IsLabel(i, a)));
                var falseAlerts = alerted.Count(a => !implants.Any(i => IsLabel(i, a)));

                var result = At(fleet.AtMedium, line, method);
                Assert.Equal((found, implants.Count), (result.Found, result.Implants));
                Assert.Equal(falseAlerts, result.FalseAlerts.Count);
                Assert.Equal(fleet.AtMedium.Channels, result.Channels);
            }
        }
    }

    [Fact]
    public void Recall_and_false_alerts_do_not_grow_from_low_to_critical()
    {
        foreach (var method in Detectors)
        {
            var byLine = Lines.Select(l => At(fleet.AtMedium, l, method)).ToList();
            foreach (var (lower, higher) in byLine.Zip(byLine.Skip(1)))
            {
                Assert.True(higher.Found <= lower.Found, $"{method}: {higher.Found} found above {lower.Found}");
                Assert.True(higher.FalseAlerts.Count <= lower.FalseAlerts.Count, $"{method}: {higher.FalseAlerts.Count} false alerts above {lower.FalseAlerts.Count}");
            }
        }
        // The fleet separates the lines: Cadence alerts on more at low than at critical.
        Assert.True(At(fleet.AtMedium, Severity.Low, Evaluator.CadenceMethod).Found + At(fleet.AtMedium, Severity.Low, Evaluator.CadenceMethod).FalseAlerts.Count
            > At(fleet.AtMedium, Severity.Critical, Evaluator.CadenceMethod).Found + At(fleet.AtMedium, Severity.Critical, Evaluator.CadenceMethod).FalseAlerts.Count);
    }

    [Fact]
    public void The_seed_rule_is_the_same_at_every_line()
    {
        var seed = fleet.AtMedium.Methods.Single(m => m.Method == Evaluator.SeedMethod);
        Assert.All(Lines, line => Assert.Same(seed, At(fleet.AtMedium, line, Evaluator.SeedMethod)));
        Assert.True(seed.FalseAlerts.Count > 0);
    }

    [Theory]
    [InlineData(Severity.Medium)]
    [InlineData(Severity.High)]
    public void The_row_at_alert_at_is_the_main_tables_totals(Severity alertAt)
    {
        var report = alertAt == Severity.Medium ? fleet.AtMedium : fleet.AtHigh;
        foreach (var method in Detectors)
        {
            var main = report.Methods.Single(m => m.Method == method);
            // The line's row in both evaluations: one is the run the main table came from, the
            // other a separate run at another --alert-at (the check that can fail).
            foreach (var row in new[] { At(fleet.AtMedium, alertAt, method), At(fleet.AtHigh, alertAt, method) })
            {
                Assert.Equal(main.FoundByProfile.OrderBy(p => p.Key), row.FoundByProfile.OrderBy(p => p.Key));
                Assert.Equal(main.FalseAlerts.Order(), row.FalseAlerts.Order());
                Assert.Equal(main.FalseAlertsPerThousandChannels, row.FalseAlertsPerThousandChannels);
            }
        }
        // The per-analytic columns stay in the main table only.
        Assert.Contains(report.Methods, m => m.Method.StartsWith($"{Evaluator.CadenceMethod}:", StringComparison.Ordinal));
        Assert.All(report.AlertLines, l => Assert.DoesNotContain(l.Methods, m => m.Method.Contains(':', StringComparison.Ordinal)));
    }
}

/// <summary>Evaluate's output must not change from run to run (the reader threads make channels in no fixed order).</summary>
public sealed class EvaluatorRepeatTests
{
    [Fact]
    public void Two_runs_on_a_zeek_fleet_list_the_same_false_alerts_in_the_same_order()
    {
        using var temp = new TempFiles();
        var result = FleetSimulator.Run(new SimulationOptions(40, 1, 2, SimulationFormat.Zeek, Path.Combine(temp.Root, "fleet")));
        var paths = SimulatedFleet.DataFiles(result);
        var labels = LabelsFile.Read(result.Files.Single(f => Path.GetFileName(f.Path) == "labels.csv").Path);

        var first = Evaluator.Run(new EvaluationOptions(paths, labels, TuningFile.Default));
        var second = Evaluator.Run(new EvaluationOptions(paths, labels, TuningFile.Default));

        var seedAlerts = first.Methods.Single(m => m.Method == Evaluator.SeedMethod).FalseAlerts;
        Assert.True(seedAlerts.Count > 20, $"only {seedAlerts.Count} seed false alerts: the fleet must exercise the listing");
        foreach (var (a, b) in first.Methods.Zip(second.Methods))
        {
            Assert.Equal(a.Method, b.Method);
            Assert.Equal(a.FalseAlerts, b.FalseAlerts);
        }
    }
}
