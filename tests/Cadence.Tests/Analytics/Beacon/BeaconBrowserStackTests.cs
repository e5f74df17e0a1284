using Cadence.Analytics;
using Cadence.Analytics.Beacon;
using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Analytics.Beacon;

/// <summary>
/// A metronome made by the browser's own TLS stack (a new JA3 on almost every handshake, as
/// Chromium's permuted ClientHello gives) towards a destination that is not rare is a page
/// refreshing itself: lowered by ja3.browser_stack_lower, never below low. Each condition of the
/// rule is a way an implant could otherwise hide behind it, and each has its case here.
/// </summary>
public class BeaconBrowserStackTests
{
    private const string Fixed = "5c" + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private static string Permuted(int i) => $"{i:x8}" + new string('a', 24);

    private static HuntContext Fleet(TuningFile tuning)
    {
        using var grouping = new ChannelGrouping(new ChannelScope(new HashSet<int> { 443 }), TimeSpan.FromHours(24), null);
        // Twelve devices, so prevalence counts; news.example and shared.example are reached by
        // three of them (ordinary), rare.example by one.
        for (var d = 0; d < 12; d++)
            grouping.Accept(Events.At(Events.T0, device: $"ws-{d}", url: "unrelated.example"));
        foreach (var other in new[] { "ws-5", "ws-6" })
        {
            grouping.Accept(Events.At(Events.T0, device: other, process: "chrome.exe", url: "news.example") with { Ja3 = Permuted(-1) });
            grouping.Accept(Events.At(Events.T0, device: other, process: "chrome.exe", url: "feed.example") with { Ja3 = Fixed });
            grouping.Accept(Events.At(Events.T0, device: other, process: "", url: "shared.example") with { Ja3 = Fixed });
        }
        var handshake = 0;
        for (var i = 0; i < 200; i++)
        {
            var at = Events.T0.AddMinutes(5 * i);
            grouping.Accept(Events.At(at, device: "ws-0", process: "chrome.exe", url: "news.example") with { Ja3 = Permuted(handshake++) });
            grouping.Accept(Events.At(at, device: "ws-0", process: "chrome.exe", url: "feed.example") with { Ja3 = Fixed });
            grouping.Accept(Events.At(at, device: "ws-1", process: "chrome.exe", url: "rare.example") with { Ja3 = Permuted(handshake++) });
            grouping.Accept(Events.At(at, device: "ws-2", process: "implant.exe", url: "news.example") with { Ja3 = Permuted(handshake++) });
            // A sensor with no process: an implant and the user's browser on one shared host.
            grouping.Accept(Events.At(at, device: "ws-3", process: "", url: "shared.example") with { Ja3 = Fixed });
            if (i % 10 == 0)
                grouping.Accept(Events.At(at.AddSeconds(30), device: "ws-3", process: "", url: "shared.example") with { Ja3 = Permuted(handshake++) });
        }
        return new HuntContext(grouping.Complete(null), tuning);
    }

    private static Finding BeaconOn(IReadOnlyList<Finding> findings, string device, string destination) =>
        Assert.Single(findings, f => f.Device == device && f.Destination == destination);

    private static bool Lowered(Finding f) => f.Reasons.Any(r => r.Contains("a browser's own TLS stack", StringComparison.Ordinal));

    [Fact]
    public void A_browser_permuting_its_handshakes_to_an_ordinary_destination_is_lowered_and_says_why()
    {
        var news = BeaconOn(new BeaconAnalytic().Evaluate(Fleet(TuningFile.Default)), "ws-0", "news.example");

        // A five-minute metronome all day scores critical; three steps take it to low.
        Assert.True(news.Score >= TuningFile.Default.Severity.Critical, $"score {news.Score}");
        Assert.Equal(Severity.Low, news.Severity);
        Assert.Contains(news.Reasons, r => r.StartsWith("lowered from critical to low: a browser's own TLS stack (64 distinct JA3 values and 0 repeats over 200 handshakes", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ws-0", "feed.example")]    // one steady JA3: an implant using the system's TLS, even inside chrome.exe
    [InlineData("ws-1", "rare.example")]    // a rare destination: an extension or a uTLS implant still beacons to a server few know
    [InlineData("ws-2", "news.example")]    // permuting, but not a browser process
    [InlineData("ws-3", "shared.example")]  // no process; the browser's few new JA3 values beside the implant's repeated one
    public void Everything_else_keeps_its_severity(string device, string destination)
    {
        var finding = BeaconOn(new BeaconAnalytic().Evaluate(Fleet(TuningFile.Default)), device, destination);

        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.False(Lowered(finding));
    }

    [Fact]
    public void The_steps_are_the_tuning_files_and_never_go_below_low()
    {
        var off = TuningFile.Default with { Ja3 = TuningFile.Default.Ja3 with { BrowserStackLower = 0 } };
        var four = TuningFile.Default with { Ja3 = TuningFile.Default.Ja3 with { BrowserStackLower = 4 } };

        var unchanged = BeaconOn(new BeaconAnalytic().Evaluate(Fleet(off)), "ws-0", "news.example");
        var clamped = BeaconOn(new BeaconAnalytic().Evaluate(Fleet(four)), "ws-0", "news.example");

        Assert.Equal(Severity.Critical, unchanged.Severity);
        Assert.False(Lowered(unchanged));
        Assert.Equal(Severity.Low, clamped.Severity);
        Assert.True(Lowered(clamped));
    }
}
