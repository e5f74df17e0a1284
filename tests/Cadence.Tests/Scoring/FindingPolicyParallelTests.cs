using Cadence.Analytics;
using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Scoring;

/// <summary>The policy judges findings on every core: it must give what one core gives, indicators and allowlist included.</summary>
public class FindingPolicyParallelTests
{
    private const string Tuning = """
        known_bad:
          domains: [common3.example]
          ips: [198.51.100.0/28]
        allowlist:
          - name: sync
            class: cloud-sync
            processes: [sync.exe]
            domains: [common1.example, common3.example]
            reason: "test"
        """;

    private static (HuntContext Context, List<Finding> Findings) Fleet(int degree)
    {
        var tuning = TuningFile.Parse(Tuning, "t.yaml");
        using var grouping = new ChannelGrouping(new ChannelScope(new HashSet<int> { 443 }), TimeSpan.FromHours(24), null);
        for (var d = 0; d < 60; d++)
        {
            for (var k = 0; k < 6; k++)
                grouping.Accept(Events.At(Events.T0, device: $"ws-{d}", url: $"common{k}.example"));
            grouping.Accept(Events.At(Events.T0, device: $"ws-{d}", url: $"rare{d}.example"));
        }
        var context = new HuntContext(grouping.Complete(null), tuning, degree);
        var findings = new List<Finding>();
        var random = new Random(7);
        for (var d = 0; d < 60; d++)
            foreach (var process in new[] { "beacon.exe", "sync.exe", "chrome.exe" })
                for (var k = 0; k < 6; k++)
                    foreach (var analytic in new[] { "beacon", "user-agent", "ja3" })
                    {
                        var destination = $"common{k}.example";
                        findings.Add(new()
                        {
                            Device = $"ws-{d}", Process = process, Destination = destination, Analytic = analytic,
                            Score = Math.Round(random.NextDouble(), 2), Severity = (Severity)random.Next(5),
                            PeriodSeconds = analytic == "beacon" ? 3600 + random.Next(-200, 200) : null,
                            RemoteIPs = [$"198.51.100.{random.Next(40)}"],
                            Prevalence = context.PrevalenceOf(destination),
                        });
                    }
        return (context, findings);
    }

    private static List<string> Render(IReadOnlyList<Finding> findings) =>
        [.. findings.Select(f => $"{f.Severity} {f.Score} {f.Device} {f.Process} {f.Destination} {f.Analytic} {f.SuppressedBy} | {string.Join("; ", f.Reasons)}")];

    [Fact]
    public void Judging_on_every_core_gives_what_one_core_gives()
    {
        var (one, findings) = Fleet(1);
        var expected = FindingPolicy.Apply(findings, one);
        for (var run = 0; run < 20; run++)
        {
            var (many, again) = Fleet(4);
            var actual = FindingPolicy.Apply(again, many);
            Assert.Equal(Render(expected.Findings), Render(actual.Findings));
            Assert.Equal(Render(expected.Suppressed), Render(actual.Suppressed));
        }
        Assert.NotEmpty(expected.Suppressed);
        Assert.Contains(expected.Findings, f => f.Reasons.Any(r => r.StartsWith("known-bad", StringComparison.Ordinal)));
        Assert.Contains(expected.Findings, f => f.Reasons.Any(r => r.StartsWith("fleet software", StringComparison.Ordinal)));
        // Known-bad is never suppressed, even when an allowlist entry names it.
        Assert.DoesNotContain(expected.Suppressed, f => f.Destination == "common3.example");
    }
}
