using Cadence.Analytics;
using Cadence.Analytics.Beacon;
using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Analytics.Beacon;

/// <summary>
/// A metronome made by the browser's own TLS stack (its JA3 permuting from handshake to
/// handshake) towards a destination that is not rare is a page refreshing itself: lowered by
/// ja3.browser_stack_lower. The same timing with one JA3, or towards a rare destination, is not.
/// </summary>
public class BeaconBrowserStackTests
{
    private static readonly string[] Permutations = [.. Enumerable.Range(0, 8).Select(i => $"{i:x2}" + new string('a', 30))];

    private static HuntContext Fleet(TuningFile tuning)
    {
        using var grouping = new ChannelGrouping(new ChannelScope(new HashSet<int> { 443 }), TimeSpan.FromHours(24), null);
        // Twelve devices, so prevalence counts; news.example is reached by three of them
        // (ordinary), rare.example by one.
        for (var d = 0; d < 12; d++)
            grouping.Accept(Events.At(Events.T0, device: $"ws-{d}", url: "unrelated.example"));
        grouping.Accept(Events.At(Events.T0, device: "ws-5", process: "chrome.exe", url: "news.example") with { Ja3 = Permutations[0] });
        grouping.Accept(Events.At(Events.T0, device: "ws-6", process: "chrome.exe", url: "news.example") with { Ja3 = Permutations[1] });
        for (var i = 0; i < 200; i++)
        {
            var at = Events.T0.AddMinutes(5 * i);
            var ja3 = Permutations[i % Permutations.Length];
            grouping.Accept(Events.At(at, device: "ws-0", process: "chrome.exe", url: "news.example") with { Ja3 = ja3 });
            grouping.Accept(Events.At(at, device: "ws-0", process: "chrome.exe", url: "feed.example") with { Ja3 = "5c" + new string('b', 30) });
            grouping.Accept(Events.At(at, device: "ws-5", process: "chrome.exe", url: "feed.example") with { Ja3 = "5c" + new string('b', 30) });
            grouping.Accept(Events.At(at, device: "ws-1", process: "chrome.exe", url: "rare.example") with { Ja3 = ja3 });
        }
        return new HuntContext(grouping.Complete(null), tuning);
    }

    private static Finding BeaconOn(IReadOnlyList<Finding> findings, string device, string destination) =>
        Assert.Single(findings, f => f.Device == device && f.Destination == destination);

    [Fact]
    public void A_permuting_stack_to_an_ordinary_destination_is_lowered_and_says_why()
    {
        var findings = new BeaconAnalytic().Evaluate(Fleet(TuningFile.Default));

        var news = BeaconOn(findings, "ws-0", "news.example");
        // A five-minute metronome all day scores critical; three steps take it to low.
        Assert.True(news.Score >= TuningFile.Default.Severity.Critical, $"score {news.Score}");
        Assert.Equal(Severity.Low, news.Severity);
        Assert.Contains(news.Reasons, r => r.StartsWith("lowered 3 step(s): a browser's own TLS stack (8 JA3 permutations", StringComparison.Ordinal));

        // The same timing with one steady JA3 (an implant using the system's TLS) keeps its severity.
        var steady = BeaconOn(findings, "ws-0", "feed.example");
        Assert.Equal(Severity.Critical, steady.Severity);
        Assert.DoesNotContain(steady.Reasons, r => r.Contains("browser's own TLS stack", StringComparison.Ordinal));

        // A rare destination is never lowered, whatever the stack.
        var rare = BeaconOn(findings, "ws-1", "rare.example");
        Assert.Equal(Severity.Critical, rare.Severity);
    }

    [Fact]
    public void Zero_steps_turns_the_lowering_off()
    {
        var off = TuningFile.Default with { Ja3 = TuningFile.Default.Ja3 with { BrowserStackLower = 0 } };

        var news = BeaconOn(new BeaconAnalytic().Evaluate(Fleet(off)), "ws-0", "news.example");

        Assert.Equal(Severity.Critical, news.Severity);
        Assert.DoesNotContain(news.Reasons, r => r.Contains("browser's own TLS stack", StringComparison.Ordinal));
    }
}
