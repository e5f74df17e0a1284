using Cadence.Analytics.Rita;
using Cadence.Scoring;

namespace Cadence.Tests.Analytics.Rita;

public class RitaBeaconScoreTests
{
    // A day-aligned latest connection, so the window starts on the hour 24 h earlier.
    private const long Latest = 20 * RitaWindow.SpanSeconds;
    private static readonly RitaWindow Day = RitaWindow.FromSeconds(Latest, 0);

    /// <summary>Every <paramref name="period"/> s from MinTs to MaxTs inclusive.</summary>
    private static long[] Every(long period) =>
        [.. Enumerable.Range(0, (int)(RitaWindow.SpanSeconds / period) + 1).Select(i => Day.MinTs + (i * period))];

    [Fact]
    public void APerfectBeaconScoresOne()
    {
        // 289 connections every 300 s: 12 per hour-wide bin, 13 in the last (it holds MaxTs).
        // cv 0.0166 -> 0.983, but the bimodal fit (23 + 1) / 23 caps at 1.
        var times = Every(300);
        var score = RitaBeaconScore.Score(times, Enumerable.Repeat(1049L, times.Length).ToArray(), Day);
        Assert.True(score.Scored);
        Assert.Equal(289, score.Connections);
        Assert.Equal(1.0, score.Timestamp);
        Assert.Equal(1.0, score.DataSize);
        Assert.Equal(1.0, score.Duration);
        Assert.Equal(1.0, score.Histogram);
        Assert.Equal(1.0, score.Beacon);
        Assert.Equal(0.983, score.Bins!.CvScore);
        Assert.Equal(13, score.Bins.Counts[^1]);
        Assert.Equal(Severity.High, score.Severity);
    }

    [Fact]
    public void OrderOfTheInputDoesNotMatter()
    {
        var times = Every(300);
        var bytes = times.Select(t => 1000 + (t % 7)).ToArray();
        var sorted = RitaBeaconScore.Score(times, bytes, Day);
        var reversed = RitaBeaconScore.Score([.. times.Reverse()], [.. bytes.Reverse()], Day);
        Assert.Equal(sorted.Beacon, reversed.Beacon);
        Assert.Equal(sorted.DataSize, reversed.DataSize);
    }

    [Fact]
    public void UnknownBytesLeaveDataSizeOutAndTheBeaconAsALowerBound()
    {
        var score = RitaBeaconScore.Score(Every(300), [], Day);
        Assert.True(score.Scored);
        Assert.False(score.BytesKnown);
        Assert.Null(score.DataSize);
        Assert.Null(score.Sizes);
        // ts 1, dur 1, hist 1, ds counted as 0.
        Assert.Equal(0.75, score.Beacon);
        Assert.Equal(Severity.Medium, score.Severity);
    }

    [Fact]
    public void BytesMustBeOnePerTimestamp() =>
        Assert.Throws<ArgumentException>(() => RitaBeaconScore.Score([1, 2, 3, 4], [1, 2, 3], Day));

    [Fact]
    public void TheSeriesReachesBackToTheHourBeforeMinTsButNoFurther()
    {
        var window = RitaWindow.FromSeconds(Latest + 1800, 0);
        Assert.Equal(Latest + 1800 - RitaWindow.SpanSeconds, window.MinTs);
        Assert.Equal(Latest - RitaWindow.SpanSeconds, window.SeriesStart);
        long[] times = [window.SeriesStart - 1, window.SeriesStart, window.MinTs - 1, window.MinTs, window.MinTs + 600, window.MaxTs, window.MaxTs + 1];
        var score = RitaBeaconScore.Score(times, [], window);
        Assert.Equal(5, score.Connections);
        Assert.Equal(2, score.OutsideWindow);
        // The two before MinTs count in the first bin with the one at MinTs and the one 600 s later.
        Assert.Equal(4, score.Bins!.Counts[0]);
        Assert.Equal(1, score.Bins.Counts[^1]);
    }

    [Fact]
    public void FewerThanFourDistinctTimestampsAreNotScored()
    {
        var score = RitaBeaconScore.Score([Latest - 300, Latest - 300, Latest - 200, Latest - 100, Latest - 100], [10, 10, 10, 10, 10], Day);
        Assert.Equal(RitaSkipReason.TooFewDistinctTimestamps, score.Skipped);
        Assert.False(score.Scored);
        Assert.Equal(5, score.Connections);
        Assert.Equal(3, score.DistinctTimestamps);
        Assert.Equal(0, score.Beacon);
        Assert.Equal(0.0, score.DataSize);
        Assert.Null(score.Intervals);
        Assert.Equal(Severity.Info, score.Severity);

        Assert.True(RitaBeaconScore.Score([Latest - 400, Latest - 300, Latest - 200, Latest - 100], [], Day).Scored);
    }

    [Fact]
    public void AStrobeIsNotScored()
    {
        var strobe = Enumerable.Range(0, RitaBeaconScore.StrobeConnections).Select(i => Day.MinTs + i).ToArray();
        Assert.Equal(RitaSkipReason.Strobe, RitaBeaconScore.Score(strobe, [], Day).Skipped);
        Assert.Equal(RitaSkipReason.None, RitaBeaconScore.Score(strobe.AsSpan(1), [], Day).Skipped);
    }

    [Fact]
    public void AWindowWithoutLengthScoresNothing()
    {
        var window = RitaWindow.FromSeconds(Latest, Latest);
        Assert.Equal(RitaSkipReason.EmptyWindow, RitaBeaconScore.Score([Latest, Latest, Latest, Latest], [], window).Skipped);
    }

    [Theory]
    // The data is longer than a day: the window is the last 24 h, series from the hour before.
    [InlineData(100_000, 0, 13_600, 10_800)]
    // Shorter than a day: the window starts with the data.
    [InlineData(100_000, 50_000, 50_000, 46_800)]
    [InlineData(100_000, 100_000, 100_000, 97_200)]
    public void Window(long latest, long start, long minTs, long seriesStart)
    {
        var window = RitaWindow.FromSeconds(latest, start);
        Assert.Equal(minTs, window.MinTs);
        Assert.Equal(latest, window.MaxTs);
        Assert.Equal(seriesStart, window.SeriesStart);
    }

    [Fact]
    public void WindowFromTicksTruncatesToWholeSeconds()
    {
        var latest = new DateTime(2023, 1, 5, 18, 0, 0, 999, DateTimeKind.Utc);
        var start = new DateTime(2023, 1, 4, 12, 0, 0, 500, DateTimeKind.Utc);
        var window = RitaWindow.FromTicks(latest.Ticks, start.Ticks);
        Assert.Equal(new DateTimeOffset(2023, 1, 5, 18, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), window.MaxTs);
        Assert.Equal(window.MaxTs - RitaWindow.SpanSeconds, window.MinTs);
        Assert.Equal(1672858799, RitaWindow.UnixSeconds(new DateTime(2023, 1, 4, 18, 59, 59, 999, DateTimeKind.Utc).Ticks));
    }

    [Fact]
    public void DataCannotStartAfterItsLatestConnection() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RitaWindow.FromSeconds(100, 101));

    [Theory]
    [InlineData(0.0, Severity.Info)]
    [InlineData(0.499, Severity.Info)]
    [InlineData(0.5, Severity.Low)]
    [InlineData(0.57, Severity.Low)]
    [InlineData(0.586, Severity.Low)]
    [InlineData(0.699, Severity.Low)]
    [InlineData(0.7, Severity.Medium)]
    [InlineData(0.899, Severity.Medium)]
    [InlineData(0.9, Severity.High)]
    [InlineData(1.0, Severity.High)]
    public void SeverityBands(double beacon, Severity severity) =>
        Assert.Equal(severity, RitaSeverity.FromBeacon(beacon));
}
