using Cadence.Analytics;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Analytics;

public class HuntTests
{
    [SkippableFact]
    [Trait("Category", "RealData")]
    public void Proxy_beacon_is_found_through_the_proxy_with_its_period()
    {
        var folder = RealData.Folder("zeek-rita-proxy");

        var result = Hunt.Run(new HuntOptions([folder], TuningFile.Default));

        var beacon = Assert.Single(result.Findings, f => f.Destination == "www.honestimnotevil.com" && f.Analytic == "beacon");
        Assert.Equal("10.136.0.18", beacon.Device);
        // The README: CONNECT every 200-300 s (250 s +-20 %) through the proxy 10.136.0.16:3128.
        Assert.InRange(beacon.PeriodSeconds!.Value, 200, 300);
        Assert.InRange(beacon.Jitter!.Value, 0.1, 0.25);
        Assert.Equal(["10.136.0.16"], beacon.RemoteIPs);
        Assert.Equal([3128], beacon.RemotePorts);
        Assert.True(beacon.Severity >= Severity.High, $"severity {beacon.Severity}");
        // Uniform 200-300 s: the central 80 % spreads 0.32 of the period, regularity about 0.91.
        Assert.InRange(beacon.SubScores["regularity"]!.Value, 0.85, 1);
        Assert.NotNull(beacon.Evidence);
        // The proxy itself is an internal destination: set aside, and counted.
        Assert.True(result.Channels.EventsWith(Cadence.Channels.ChannelRole.InternalDestination) > 0);
        // http.log lends its user agents to conn.log's events: only the process analytic is blind here.
        Assert.DoesNotContain(result.Skipped, s => s.Analytic == "user-agent");
        Assert.Contains(result.Skipped, s => s.Analytic == "process" && s.Reason.Contains("lacks ProcessName", StringComparison.Ordinal));
    }

    [SkippableFact]
    [Trait("Category", "RealData")]
    public void Rita_scoring_through_the_pipeline_gives_RITAs_published_numbers()
    {
        var folder = RealData.Folder("zeek-rita-proxy");

        var result = Hunt.Run(new HuntOptions([folder], TuningFile.Default) { Scoring = BeaconScoring.Rita });

        var all = result.Findings.Concat(result.Suppressed).ToList();
        var beacon = Assert.Single(all, f => f.Destination == "www.honestimnotevil.com");
        Assert.Equal(357, beacon.ConnectionCount);
        Assert.InRange(beacon.Score, 0.979, 0.981);
        var google = Assert.Single(all, f => f.Destination == "www.google.com");
        Assert.Equal(6, google.ConnectionCount);
        Assert.Equal(0.586, google.Score);
        Assert.Equal(0.865, google.SubScores["ds"]);
    }

    [Fact]
    public void Sample_export_finds_the_rundll32_beacon_and_suppresses_the_sync_client()
    {
        var sample = Path.Combine(RepoRoot(), "samples", "defender", "DeviceNetworkEvents.csv");

        var result = Hunt.Run(new HuntOptions([sample], TuningFile.Default));

        var beacon = Assert.Single(result.Findings, f => f.Process == "rundll32.exe" && f.Analytic == "beacon");
        Assert.Equal("185.220.101.47", beacon.Destination);
        Assert.InRange(beacon.PeriodSeconds!.Value, 59, 61);
        Assert.Contains(beacon.Reasons, r => r.Contains("failed attempts, not timed", StringComparison.Ordinal));
        var onedrive = Assert.Single(result.Suppressed, f => f.Process == "OneDrive.exe" && f.Analytic == "beacon");
        Assert.NotNull(onedrive.SuppressedBy);
        Assert.DoesNotContain(result.Findings, f => f.Process == "OneDrive.exe");
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Cadence.slnx")))
            dir = dir.Parent;
        return dir.FullName;
    }
}
