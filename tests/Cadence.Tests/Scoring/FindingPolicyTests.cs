using Cadence.Analytics;
using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Telemetry;

namespace Cadence.Tests.Scoring;

public class FindingPolicyTests
{
    /// <summary>A fleet of <paramref name="devices"/> devices, the first <paramref name="reaching"/> of them reaching <paramref name="destination"/>.</summary>
    private static HuntContext Fleet(int devices, int reaching, string destination = "c2.example", TuningFile? tuning = null)
    {
        using var grouping = new ChannelGrouping(new ChannelScope(new HashSet<int> { 443 }), TimeSpan.FromHours(24), null);
        for (var d = 0; d < devices; d++)
        {
            grouping.Accept(Events.At(Events.T0, device: $"ws-{d}", url: "unrelated.example"));
            if (d < reaching)
                grouping.Accept(Events.At(Events.T0, device: $"ws-{d}", url: destination));
        }
        return new HuntContext(grouping.Complete(null), tuning ?? TuningFile.Default);
    }

    private static Finding Beacon(HuntContext context, Severity severity, string device = "ws-0", string process = "beacon.exe",
        string destination = "c2.example", double period = 60, string analytic = "beacon") => new()
    {
        Device = device, Process = process, Destination = destination, Analytic = analytic, Score = 0.8, Severity = severity,
        PeriodSeconds = analytic == "beacon" ? period : null, Prevalence = context.PrevalenceOf(destination),
    };

    [Fact]
    public void A_rare_destination_raises_severity_and_says_why()
    {
        var context = Fleet(50, 1);

        var outcome = FindingPolicy.Apply([Beacon(context, Severity.Medium)], context);

        var f = Assert.Single(outcome.Findings);
        Assert.Equal(Severity.High, f.Severity);
        Assert.Contains(f.Reasons, r => r == "rare destination: 1 of 50 devices reach it");
    }

    [Fact]
    public void Info_stays_info_however_rare()
    {
        var context = Fleet(50, 1);

        Assert.Equal(Severity.Info, Assert.Single(FindingPolicy.Apply([Beacon(context, Severity.Info)], context).Findings).Severity);
    }

    [Fact]
    public void Fleet_software_at_the_same_cadence_is_lowered_but_a_different_cadence_is_not()
    {
        var context = Fleet(50, 40, "updates.vendor.example");
        var fleet = Enumerable.Range(0, 40).Select(d => Beacon(context, Severity.Critical, device: $"ws-{d}", destination: "updates.vendor.example", period: 3600 + d)).ToList();
        var odd = Beacon(context, Severity.Critical, device: "ws-7", process: "other.exe", destination: "updates.vendor.example", period: 60);

        var outcome = FindingPolicy.Apply([.. fleet, odd], context);

        var lowered = outcome.Findings.Where(f => f.Process == "beacon.exe").ToList();
        Assert.All(lowered, f => Assert.True(f.Severity < Severity.Critical));
        Assert.All(lowered, f => Assert.Contains(f.Reasons, r => r.StartsWith("fleet software: 40 of 50 devices", StringComparison.Ordinal)));
        Assert.Equal(Severity.Critical, outcome.Findings.Single(f => f.Process == "other.exe").Severity);
    }

    [Fact]
    public void Loosely_scheduled_fleet_software_is_at_the_fleets_cadence_anywhere_in_its_spread()
    {
        // Windows Update style: each device's period anywhere from about 5,000 to 9,000 s.
        var context = Fleet(50, 40, "fe3cr.delivery.mp.microsoft.com");
        var fleet = Enumerable.Range(0, 40).Select(d => Beacon(context, Severity.Medium, device: $"ws-{d}",
            destination: "fe3cr.delivery.mp.microsoft.com", period: 5000 + 100 * d)).ToList();
        var edge = fleet[^1];
        Assert.True(edge.PeriodSeconds / 7000 > 1.25, "the edge device is more than 25 % from the median");
        var implant = Beacon(context, Severity.Medium, device: "ws-3", process: "other.exe", destination: "fe3cr.delivery.mp.microsoft.com", period: 60);

        var outcome = FindingPolicy.Apply([.. fleet, implant], context);

        Assert.Equal(Severity.Info, outcome.Findings.Single(f => f.Device == edge.Device && f.Process == "beacon.exe").Severity);
        Assert.Equal(Severity.Medium, outcome.Findings.Single(f => f.Process == "other.exe").Severity);
    }

    [Fact]
    public void Below_twenty_other_periods_only_their_median_says_what_the_fleets_cadence_is()
    {
        var context = Fleet(50, 40, "fe3cr.delivery.mp.microsoft.com");
        var fleet = Enumerable.Range(0, 10).Select(d => Beacon(context, Severity.Medium, device: $"ws-{d}",
            destination: "fe3cr.delivery.mp.microsoft.com", period: 6000 + 100 * d)).ToList();
        var near = Beacon(context, Severity.Medium, device: "ws-20", destination: "fe3cr.delivery.mp.microsoft.com", period: 8000);
        var far = Beacon(context, Severity.Medium, device: "ws-21", destination: "fe3cr.delivery.mp.microsoft.com", period: 9000);

        var outcome = FindingPolicy.Apply([.. fleet, near, far], context);

        // The others' median is about 6,500 s: 8,000 is 23 % away and is lowered, 9,000 (38 %) is not.
        Assert.Equal(Severity.Info, outcome.Findings.Single(f => f.Device == "ws-20").Severity);
        Assert.Equal(Severity.Medium, outcome.Findings.Single(f => f.Device == "ws-21").Severity);
    }

    [Fact]
    public void An_implant_among_few_fleet_findings_does_not_set_the_band_it_is_judged_by()
    {
        // Nine devices of fleet software, one implant beaconing every minute to the same common name.
        var context = Fleet(50, 40, "fe3cr.delivery.mp.microsoft.com");
        var fleet = Enumerable.Range(0, 9).Select(d => Beacon(context, Severity.Medium, device: $"ws-{d}",
            destination: "fe3cr.delivery.mp.microsoft.com", period: 5000 + 500 * d)).ToList();
        var implant = Beacon(context, Severity.Medium, device: "ws-30", process: "other.exe", destination: "fe3cr.delivery.mp.microsoft.com", period: 60);

        var outcome = FindingPolicy.Apply([.. fleet, implant], context);

        Assert.Equal(Severity.Medium, outcome.Findings.Single(f => f.Process == "other.exe").Severity);
    }

    [Fact]
    public void A_lone_beacon_to_a_common_name_is_not_its_own_fleet()
    {
        var context = Fleet(50, 40, "graph.microsoft.com");

        var outcome = FindingPolicy.Apply([Beacon(context, Severity.High, destination: "graph.microsoft.com", period: 300)], context);

        Assert.Equal(Severity.High, Assert.Single(outcome.Findings).Severity);
    }

    [Fact]
    public void A_shared_service_with_periods_of_every_length_has_no_band()
    {
        // Many clients of one API: periods from 60 s to 6 h. A 20-minute beacon is inside their
        // 10th-90th percentile, yet that band is many schedules, not one.
        var context = Fleet(50, 40, "api.github.com");
        var clients = Enumerable.Range(0, 30).Select(d => Beacon(context, Severity.Medium, device: $"ws-{d}",
            destination: "api.github.com", period: 60 * Math.Pow(360, d / 29.0))).ToList();
        var implant = Beacon(context, Severity.Medium, device: "ws-35", process: "other.exe", destination: "api.github.com", period: 1200);

        var outcome = FindingPolicy.Apply([.. clients, implant], context);

        Assert.Equal(Severity.Medium, outcome.Findings.Single(f => f.Process == "other.exe").Severity);
    }

    [Fact]
    public void A_known_bad_user_agent_to_a_common_site_is_not_lowered_as_fleet_software()
    {
        var context = Fleet(50, 40, "www.google.com");
        var agent = Beacon(context, Severity.High, destination: "www.google.com", analytic: "user-agent") with { MatchesIndicator = true };
        var routine = Beacon(context, Severity.Low, device: "ws-1", destination: "www.google.com", analytic: "process");

        var outcome = FindingPolicy.Apply([agent, routine], context);

        Assert.Equal(Severity.High, outcome.Findings.Single(f => f.Analytic == "user-agent").Severity);
        Assert.Equal(Severity.Info, outcome.Findings.Single(f => f.Analytic == "process").Severity);
    }

    [Fact]
    public void A_small_fleet_has_no_prevalence_verdict()
    {
        var context = Fleet(3, 1);

        Assert.Equal(Severity.Medium, Assert.Single(FindingPolicy.Apply([Beacon(context, Severity.Medium)], context).Findings).Severity);
    }

    [Fact]
    public void Another_analytic_on_the_same_channel_raises_the_beacon()
    {
        var context = Fleet(3, 1);
        var beacon = Beacon(context, Severity.Medium);
        var agent = Beacon(context, Severity.High, analytic: "user-agent");

        var outcome = FindingPolicy.Apply([beacon, agent], context);

        var raised = outcome.Findings.Single(f => f.Analytic == "beacon");
        Assert.Equal(Severity.High, raised.Severity);
        Assert.Contains("also flagged on this channel by: user-agent", raised.Reasons);
    }

    [Fact]
    public void The_allowlist_needs_process_and_domain_and_names_its_entry()
    {
        var context = Fleet(3, 1, "outlook.office.com");
        var browser = Beacon(context, Severity.High, process: "chrome.exe", destination: "outlook.office.com");
        var injected = Beacon(context, Severity.High, process: "chrome.exe", destination: "c2.example");

        var outcome = FindingPolicy.Apply([browser, injected], context);

        var suppressed = Assert.Single(outcome.Suppressed);
        Assert.Equal("outlook.office.com", suppressed.Destination);
        Assert.NotNull(suppressed.SuppressedBy);
        Assert.Equal("c2.example", Assert.Single(outcome.Findings).Destination);
    }

    [Fact]
    public void A_known_bad_indicator_is_critical_and_never_allowlisted()
    {
        var tuning = TuningFile.Parse("known_bad:\n  domains: [office.com]\n", "test.yaml");
        var context = Fleet(3, 1, "outlook.office.com", tuning);

        var outcome = FindingPolicy.Apply([Beacon(context, Severity.Low, process: "chrome.exe", destination: "outlook.office.com")], context);

        var f = Assert.Single(outcome.Findings);
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Contains(f.Reasons, r => r.StartsWith("known-bad indicator", StringComparison.Ordinal));
        Assert.Empty(outcome.Suppressed);
    }
}
