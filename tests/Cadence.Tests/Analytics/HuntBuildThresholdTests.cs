using Cadence.Analytics;
using Cadence.Reporting.Findings;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Simulation;
using Cadence.Tests.Simulation;

namespace Cadence.Tests.Analytics;

/// <summary>
/// A hunt that keeps low and above counts its info findings instead of building them: what it
/// writes must be exactly what a hunt that builds everything writes at low and above.
/// </summary>
public sealed class HuntBuildThresholdTests : IDisposable
{
    private readonly TempFiles _temp = new();
    private readonly string[] _fleet;

    public HuntBuildThresholdTests()
    {
        var result = FleetSimulator.Run(new SimulationOptions(40, 1, 5, SimulationFormat.Defender, Path.Combine(_temp.Root, "fleet")));
        _fleet = SimulatedFleet.DataFiles(result);
    }

    [Fact]
    public void Keeping_low_and_above_writes_the_same_findings_as_building_every_one()
    {
        var all = Hunt.Run(new HuntOptions(_fleet, TuningFile.Default) { MinSeverity = Severity.Info });
        var low = Hunt.Run(new HuntOptions(_fleet, TuningFile.Default) { MinSeverity = Severity.Low });

        Assert.Equal(Json(all.Findings.Where(f => f.Severity >= Severity.Low)), Json(low.Findings.Where(f => f.Severity >= Severity.Low)));
        Assert.Equal(Json(all.Suppressed.Where(f => f.Severity >= Severity.Low)), Json(low.Suppressed.Where(f => f.Severity >= Severity.Low)));
        Assert.All(all.UnbuiltBySeverity, n => Assert.Equal(0, n));

        // What the low run did not build is every finding scored info: those the full run shows
        // at info, less the ones both runs built at low and the policy lowered to info.
        var unbuiltInfo = low.UnbuiltBySeverity[(int)Severity.Info];
        Assert.True(unbuiltInfo > 100, $"only {unbuiltInfo} info findings on a 40-device day");
        var infoInAll = all.Findings.Concat(all.Suppressed).Count(f => f.Severity == Severity.Info);
        var infoInLow = low.Findings.Concat(low.Suppressed).Count(f => f.Severity == Severity.Info);
        Assert.Equal(infoInAll - infoInLow, unbuiltInfo);
        Assert.All(low.UnbuiltBySeverity.Skip((int)Severity.Low), n => Assert.Equal(0, n));
    }

    [Fact]
    public void An_info_finding_to_a_known_bad_destination_is_still_built_and_made_critical()
    {
        var all = Hunt.Run(new HuntOptions(_fleet, TuningFile.Default) { MinSeverity = Severity.Info });
        var info = all.Findings.First(f => f.Severity == Severity.Info && f.Analytic == "beacon" && f.Destination.Contains('.', StringComparison.Ordinal)
            && !all.Findings.Any(o => o != f && o.Destination == f.Destination));
        var tuning = TuningFile.Default with { KnownBad = new KnownBad([info.Destination], []) };

        var low = Hunt.Run(new HuntOptions(_fleet, tuning) { MinSeverity = Severity.Low });

        var flagged = Assert.Single(low.Findings, f => f.Destination == info.Destination && f.Analytic == "beacon");
        Assert.Equal(Severity.Critical, flagged.Severity);
        Assert.Contains(flagged.Reasons, r => r.StartsWith("known-bad indicator", StringComparison.Ordinal));
    }

    private static string Json(IEnumerable<Finding> findings)
    {
        using var text = new StringWriter();
        FindingWriter.WriteJson([.. findings], text, ndjson: true);
        return text.ToString();
    }

    public void Dispose() => _temp.Dispose();
}
