using Cadence.Analytics.Rita;

namespace Cadence.Tests.Analytics.Rita;

/// <summary>Each sub-score against values worked out by hand (shown beside each case).</summary>
public class RitaSubScoreTests
{
    [Fact]
    public void DataSizeOfRitasGoogleSeries()
    {
        // Sorted 1856 2012 2064 | 2155 2259 2259: hinges 2012 / 2259, median 2109.5;
        // skew (2012 + 2259 - 4219) / 247 = 0.2105; |x - 2109.5| sorted 45.5 45.5 97.5 149.5 149.5 253.5,
        // MAD 123.5; madScore 1986 / 2109.5 = 0.9415; (0.7895 + 0.9415) / 2 = 0.8655.
        var ds = RitaBeaconScore.DataSize([2259, 2064, 2259, 1856, 2155, 2012]);
        Assert.NotNull(ds);
        Assert.Equal(0.865, ds.Score);
        Assert.Equal(6, ds.Count);
        Assert.Equal(2109.5, ds.Median);
        Assert.Equal(2012, ds.LowerHinge);
        Assert.Equal(2259, ds.UpperHinge);
        Assert.Equal(0.2105, ds.Skew, 4);
        Assert.Equal(123.5, ds.Mad);
        Assert.Equal(0.9415, ds.MadScore, 4);
    }

    [Theory]
    // Every size equal: no skew, no spread.
    [InlineData(new long[] { 1049, 1049, 1049, 1049 }, 1.0)]
    // Median under 1 byte: madScore defaults to 0, skew 0 (median on the lower hinge), so 0.5.
    [InlineData(new long[] { 0, 0, 0, 5 }, 0.5)]
    [InlineData(new long[] { 0, 0, 0 }, 0.5)]
    // Lopsided sizes. Sorted 1 1 1 50 100 100: hinges 1 / 100,
    // median 25.5, skew (101 - 51) / 99 = 0.505; MAD median(24.5 24.5 24.5 24.5 74.5 74.5) = 24.5,
    // madScore 1 / 25.5 = 0.039; (0.495 + 0.039) / 2 = 0.267.
    [InlineData(new long[] { 100, 1, 50, 1, 100, 1 }, 0.267)]
    public void DataSize(long[] bytes, double score) =>
        Assert.Equal(score, RitaBeaconScore.DataSize(bytes)!.Score);

    [Fact]
    public void DataSizeNeedsThreeValues() => Assert.Null(RitaBeaconScore.DataSize([1049, 1049]));

    [Theory]
    // All intervals 60 s: no skew, MAD 0.
    [InlineData(new long[] { 0, 60, 120, 180, 240 }, 1.0)]
    // Intervals 100 101 102 109 109: hinges 100.5 / 109 are 8.5 apart (< 10), so skew 0 however
    // lopsided; MAD median(2 1 0 7 7) = 2, madScore 100 / 102; (1 + 0.98039) / 2 = 0.990.
    [InlineData(new long[] { 0, 100, 201, 303, 412, 521 }, 0.990)]
    // Intervals 100 101 102 120 120: hinges 100.5 / 120, skew 16.5 / 19.5 = 0.846; MAD 2,
    // madScore 0.98039; (0.15385 + 0.98039) / 2 = 0.567.
    [InlineData(new long[] { 0, 100, 201, 303, 423, 543 }, 0.567)]
    // Zero intervals are dropped: 60 60 60.
    [InlineData(new long[] { 0, 0, 60, 60, 120, 180 }, 1.0)]
    // Non-zero intervals 10 100 100 100 (zeros dropped): median on the upper hinge, skew 0; MAD 0.
    [InlineData(new long[] { 0, 100, 100, 200, 200, 300, 310 }, 1.0)]
    public void Timestamp(long[] sortedSeconds, double score) =>
        Assert.Equal(score, RitaBeaconScore.Timestamp(sortedSeconds)!.Score);

    [Fact]
    public void TimestampCountsOnlyNonZeroIntervals() =>
        Assert.Equal(4, RitaBeaconScore.Timestamp([0, 100, 100, 200, 200, 300, 310])!.Count);

    [Theory]
    [InlineData(new long[] { 0, 60, 120 })]
    // Five connections but two non-zero intervals once the repeats are dropped.
    [InlineData(new long[] { 0, 0, 60, 120, 120 })]
    [InlineData(new long[] { 5, 5, 5, 5 })]
    public void TimestampNeedsThreeNonZeroIntervals(long[] sortedSeconds) =>
        Assert.Null(RitaBeaconScore.Timestamp(sortedSeconds));

    [Fact]
    public void MedianBelowOneGivesFullSpreadMarksForIntervalsAndNoneForSizes()
    {
        // Only reachable through Dispersion for intervals (whole-second intervals are at least 1).
        Assert.Equal(1.0, RitaBeaconScore.Dispersion([0.5, 0.5, 0.5], madScoreBelowOne: 1).Score);
        Assert.Equal(0.5, RitaBeaconScore.Dispersion([0.5, 0.5, 0.5], madScoreBelowOne: 0).Score);
    }

    [Theory]
    // Window 0..2400: bins exactly 100 s wide.
    [InlineData(-50, 0)]
    [InlineData(0, 0)]
    [InlineData(99, 0)]
    [InlineData(100, 1)]
    [InlineData(2299, 22)]
    [InlineData(2300, 23)]
    [InlineData(2400, 23)]
    public void BinsAreHalfOpenAndTheEndsCatchTheRest(long seconds, int bin) =>
        Assert.Equal(1, RitaHistogramScore.Bin([seconds], 0, 2400)[bin]);

    [Theory]
    // Window 0..1000: bins 41.67 s wide, edges in floating point.
    [InlineData(41, 0)]
    [InlineData(42, 1)]
    [InlineData(958, 22)]
    [InlineData(959, 23)]
    public void BinEdgesNeedNotBeWholeSeconds(long seconds, int bin) =>
        Assert.Equal(1, RitaHistogramScore.Bin([seconds], 0, 1000)[bin]);

    private static int[] Bars(params (int Height, int Bins)[] runs) =>
        [.. runs.SelectMany(r => Enumerable.Repeat(r.Height, r.Bins))];

    [Fact]
    public void CvScore()
    {
        Assert.Equal(1.0, RitaHistogramScore.CvScore(Bars((5, 24))));
        // Alternating 1 and 3: mean 2, standard deviation 1, cv 0.5.
        Assert.Equal(0.5, RitaHistogramScore.CvScore([.. Enumerable.Range(0, 24).Select(i => i % 2 == 0 ? 1 : 3)]));
        // Half the bins at 2: mean 1, standard deviation 1: cv exactly 1 still scores (0).
        Assert.Equal(0.0, RitaHistogramScore.CvScore(Bars((2, 12), (0, 12))));
        // One bin holding everything: cv sqrt(23) > 1.
        Assert.Equal(0.0, RitaHistogramScore.CvScore(Bars((24, 1), (0, 23))));
    }

    [Fact]
    public void BimodalBranchNeedsElevenNonEmptyBins()
    {
        // 11 bars of 5: one height bucket holding 11 of the 11 - 1 bins, fit 1.1 capped at 1;
        // cv = 2.491 / 2.292 > 1 scores 0.
        var eleven = RitaHistogramScore.Histogram(Seconds(Bars((5, 11), (0, 13))), 0, 2400);
        Assert.Equal(11, eleven.NonEmptyBins);
        Assert.Equal(0.0, eleven.CvScore);
        Assert.Equal(1.0, eleven.BimodalScore);
        Assert.Equal(1.0, eleven.Score);

        var ten = RitaHistogramScore.Histogram(Seconds(Bars((5, 10), (0, 14))), 0, 2400);
        Assert.Equal(0.0, ten.BimodalScore);
        Assert.Equal(0.0, ten.Score);
    }

    [Fact]
    public void BimodalFitGroupsHeightsWithinFivePercentOfTheTallest()
    {
        // Tallest 40: bucket width ceil(2.0) = 2, so 20 and 21 share bucket 20. Buckets 20 (12 bins),
        // 40 (6), 4 (6): fit (12 + 6) / 23 = 0.783. cv: mean 21.5, variance 154.25, cv 0.578 -> 0.422.
        var histogram = RitaHistogramScore.Histogram(Seconds(Bars((20, 6), (21, 6), (40, 6), (5, 6))), 0, 2400);
        Assert.Equal(0.783, histogram.BimodalScore);
        Assert.Equal(0.422, histogram.CvScore);
        Assert.Equal(0.783, histogram.Score);
    }

    [Fact]
    public void TwoRatesScoreAsBimodal()
    {
        // 12 bins of 10 and 12 of 2: cv 4 / 6 -> 0.333, but all 24 bins sit in two buckets: 24 / 23, capped.
        var histogram = RitaHistogramScore.Histogram(Seconds(Bars((10, 12), (2, 12))), 0, 2400);
        Assert.Equal(0.333, histogram.CvScore);
        Assert.Equal(1.0, histogram.Score);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(24, 24)]
    [InlineData(3, 3)]
    public void LongestRunWithoutWrapping(int bins, int run) =>
        Assert.Equal(run, RitaHistogramScore.LongestRun(Bars((1, bins), (0, 24 - bins))));

    [Fact]
    public void LongestRunWrapsFromTheLastBinToTheFirst()
    {
        // Bins 20..23 and 0..2 non-empty, 10..11 too: the wrapped run of 7 is the longest.
        var counts = new int[24];
        foreach (var i in new[] { 0, 1, 2, 10, 11, 20, 21, 22, 23 })
            counts[i] = 1;
        Assert.Equal(7, RitaHistogramScore.LongestRun(counts));
    }

    [Fact]
    public void DurationTakesTheBetterOfCoverageAndConsistency()
    {
        // Bins 0..3 and 19..23 non-empty: a wrapped run of 9, consistency 9 / 12 = 0.75; the
        // series spans 0..1200 of a 2400 s window, coverage 0.5.
        var counts = new int[24];
        foreach (var i in new[] { 0, 1, 2, 3, 19, 20, 21, 22, 23 })
            counts[i] = 1;
        var histogram = RitaHistogramScore.Histogram(Seconds(counts), 0, 2400);
        var duration = RitaHistogramScore.Duration(histogram, first: 0, last: 1200, minTs: 0, maxTs: 2400);
        Assert.Equal(new RitaDuration(0.75, 0.5, 0.75), duration);
    }

    [Theory]
    // 800 of 2400 s: 0.3333 rounded up.
    [InlineData(0, 800, 0.334)]
    // A series reaching back before MinTs (RITA's hour buckets) covers more than the window: capped.
    [InlineData(-100, 2400, 1.0)]
    public void CoverageRoundsUpAndCapsAtOne(long first, long last, double coverage)
    {
        var histogram = RitaHistogramScore.Histogram(Seconds(Bars((1, 6), (0, 18))), 0, 2400);
        Assert.Equal(coverage, RitaHistogramScore.Duration(histogram, first, last, 0, 2400).Coverage);
    }

    [Fact]
    public void DurationNeedsSixNonEmptyBins()
    {
        var five = RitaHistogramScore.Histogram(Seconds(Bars((1, 5), (0, 19))), 0, 2400);
        Assert.Equal(new RitaDuration(0, 0, 0), RitaHistogramScore.Duration(five, 0, 2400, 0, 2400));
        var six = RitaHistogramScore.Histogram(Seconds(Bars((1, 6), (0, 18))), 0, 2400);
        Assert.Equal(new RitaDuration(1, 1, 0.5), RitaHistogramScore.Duration(six, 0, 2400, 0, 2400));
    }

    /// <summary>Timestamps that fill 100 s bins of a 0..2400 window to the given heights.</summary>
    private static long[] Seconds(int[] heights) =>
        [.. heights.SelectMany((h, bin) => Enumerable.Range(0, h).Select(k => (bin * 100L) + k))];
}
