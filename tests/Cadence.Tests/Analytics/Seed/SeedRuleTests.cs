using Cadence.Analytics.Seed;
using Cadence.Channels;
using Cadence.Telemetry;

namespace Cadence.Tests.Analytics.Seed;

public class SeedRuleTests
{
    private static readonly ChannelKey Key = new("ws-1", "beacon.exe", "203.0.113.7", 443);

    /// <summary>A group of <paramref name="count"/> connections whose AvgInterval is exactly <paramref name="avgInterval"/>.</summary>
    private static ConnectionSummary Group(long count, long avgInterval)
    {
        var summary = new ConnectionSummary();
        var first = Events.T0.Ticks;
        var last = first + avgInterval * (count - 1) * TimeSpan.TicksPerSecond;
        summary.Add(first, null, null, null);
        for (var i = 1; i < count - 1; i++)
            summary.Add(first + TimeSpan.TicksPerSecond, null, null, null);
        if (count > 1)
            summary.Add(last, null, null, null);
        return summary;
    }

    [Theory]
    [InlineData(15, false)]
    [InlineData(16, true)]
    public void NeedsMoreThanFifteenConnections(long count, bool fires) =>
        Assert.Equal(fires, SeedRule.Evaluate(Key, Group(count, 60), bytesKnown: false) is not null);

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(900, true)]
    [InlineData(901, false)]
    public void AvgIntervalBetweenOneAndNineHundredInclusive(long avgInterval, bool fires) =>
        Assert.Equal(fires, SeedRule.Evaluate(Key, Group(20, avgInterval), bytesKnown: false) is not null);

    [Fact]
    public void AvgIntervalIsTruncatedLongDivision()
    {
        // 16 connections over 1,799 boundaries: 1799 / 15 = 119.93, truncated to 119.
        var summary = new ConnectionSummary();
        for (var i = 0; i < 15; i++)
            summary.Add(Events.T0.Ticks, null, null, null);
        summary.Add(Events.T0.AddSeconds(1799).Ticks, null, null, null);
        var result = SeedRule.Evaluate(Key, summary, bytesKnown: false);
        Assert.NotNull(result);
        Assert.Equal(1799, result.DurationSeconds);
        Assert.Equal(119, result.AvgInterval);
    }

    [Theory]
    [InlineData(54, "medium")]
    [InlineData(55, "high")]
    [InlineData(65, "high")]
    [InlineData(66, "medium")]
    [InlineData(294, "medium")]
    [InlineData(295, "high")]
    [InlineData(305, "high")]
    [InlineData(306, "medium")]
    [InlineData(894, "medium")]
    [InlineData(895, "high")]
    [InlineData(900, "high")]
    public void ConfidenceBandsAroundSixtyThreeHundredAndNineHundredSeconds(long avgInterval, string expected)
    {
        Assert.Equal(expected, SeedRule.Confidence(20, avgInterval));
        Assert.Equal(expected, SeedRule.Evaluate(Key, Group(20, avgInterval), bytesKnown: false)!.BeaconConfidence);
    }

    [Theory]
    [InlineData(905, "high")]
    [InlineData(906, "medium")]
    public void ConfidenceBandEdgesBeyondTheRulesFilter(long avgInterval, string expected) =>
        // AvgInterval above 900 never reaches the case() in the rule; the band itself still ends at 905.
        Assert.Equal(expected, SeedRule.Confidence(20, avgInterval));

    [Theory]
    [InlineData(100, 119, "medium")]
    [InlineData(101, 119, "high")]
    [InlineData(101, 120, "medium")]
    [InlineData(100, 120, "medium")]
    [InlineData(101, 60, "high")]
    public void ChattyFlowsAreHighWhenOverAHundredConnectionsUnderTwoMinutes(long count, long avgInterval, string expected)
    {
        Assert.Equal(expected, SeedRule.Confidence(count, avgInterval));
        Assert.Equal(expected, SeedRule.Evaluate(Key, Group(count, avgInterval), bytesKnown: false)!.BeaconConfidence);
    }

    [Fact]
    public void OneConnectionHasAvgIntervalZero()
    {
        var summary = new ConnectionSummary();
        summary.Add(Events.T0.Ticks, null, null, null);
        Assert.Null(SeedRule.Evaluate(Key, summary, bytesKnown: false));
    }

    [Theory]
    [InlineData(443, "Public", "ConnectionSuccess", SeedRowFilter.Admitted)]
    [InlineData(80, "Public", "ConnectionSuccess", SeedRowFilter.Admitted)]
    [InlineData(8080, "Public", "ConnectionSuccess", SeedRowFilter.Admitted)]
    [InlineData(8443, "Public", "ConnectionSuccess", SeedRowFilter.Admitted)]
    [InlineData(444, "Public", "ConnectionSuccess", SeedRowFilter.PortNotWeb)]
    [InlineData(-1, "Public", "ConnectionSuccess", SeedRowFilter.PortNotWeb)]
    [InlineData(443, "public", "ConnectionSuccess", SeedRowFilter.RemoteIPTypeNotPublic)]
    [InlineData(443, "Private", "ConnectionSuccess", SeedRowFilter.RemoteIPTypeNotPublic)]
    [InlineData(443, "", "ConnectionSuccess", SeedRowFilter.RemoteIPTypeNotPublic)]
    [InlineData(443, "Public", "connectionsuccess", SeedRowFilter.ActionTypeNotConnectionSuccess)]
    [InlineData(443, "Public", "ConnectionSuccessAggregatedReport", SeedRowFilter.ActionTypeNotConnectionSuccess)]
    [InlineData(443, "Public", "ConnectionFailed", SeedRowFilter.ActionTypeNotConnectionSuccess)]
    public void FiltersAreExactAndCaseSensitive(int port, string ipType, string action, SeedRowFilter expected) =>
        Assert.Equal(expected, SeedRule.Filter(Events.At(Events.T0, port: port, ipType: ipType, action: action)));

    [Theory]
    [InlineData(null, 0L, 999.0)]
    [InlineData(100L, 0L, 999.0)]
    [InlineData(100L, null, 999.0)]
    [InlineData(100L, 400L, 0.25)]
    [InlineData(0L, 400L, 0.0)]
    public void SentRecvRatioFollowsTheIff(long? sent, long? received, double expected) =>
        Assert.Equal(expected, SeedRule.SentRecvRatio(sent, received));

    [Fact]
    public void SentRecvRatioIsNullWhenAllSentBytesAreNull() => Assert.Null(SeedRule.SentRecvRatio(null, 400));

    [Fact]
    public void ByteColumnsAreEmptyWhenTheInputHasNone()
    {
        var result = SeedRule.Evaluate(Key, Group(20, 60), bytesKnown: false)!;
        Assert.Null(result.BytesSent);
        Assert.Null(result.BytesReceived);
        Assert.Null(result.SentRecvRatio);
    }

    [Fact]
    public void ByteSumsIgnoreNulls()
    {
        var summary = new ConnectionSummary();
        for (var i = 0; i < 20; i++)
            summary.Add(Events.T0.AddSeconds(60 * i).Ticks, i % 2 == 0 ? 10 : null, i % 4 == 0 ? 100 : null, null);
        var result = SeedRule.Evaluate(Key, summary, bytesKnown: true)!;
        Assert.Equal(100, result.BytesSent);
        Assert.Equal(500, result.BytesReceived);
        Assert.Equal(0.2, result.SentRecvRatio);
    }

    [Fact]
    public void SortsByConnectionCountDescendingWithStableTieBreak()
    {
        var channels = new Dictionary<ChannelKey, ConnectionSummary>
        {
            [Key with { Device = "b" }] = Group(20, 60),
            [Key with { Device = "a" }] = Group(20, 60),
            [Key with { Device = "c" }] = Group(40, 60),
            [Key with { Device = "d" }] = Group(5, 60),
        };
        var rows = SeedRule.Evaluate(channels, bytesKnown: false);
        Assert.Equal(["c", "a", "b"], rows.Select(r => r.DeviceName));
    }

    [Fact]
    public void DistinctUrlsAreExact()
    {
        var summary = new ConnectionSummary();
        for (var i = 0; i < 3000; i++)
            summary.Add(Events.T0.AddSeconds(60 * i).Ticks, null, null, $"https://c2.example/{i % 1500}");
        summary.Add(Events.T0.Ticks, null, null, string.Empty);
        Assert.Equal(1501, SeedRule.Evaluate(Key, summary, bytesKnown: false)!.UniqueUrls);
    }
}
