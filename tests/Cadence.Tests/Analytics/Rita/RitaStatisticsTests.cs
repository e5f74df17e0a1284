using Cadence.Analytics.Rita;

namespace Cadence.Tests.Analytics.Rita;

public class RitaStatisticsTests
{
    [Theory]
    [InlineData(new double[] { 7 }, 7)]
    [InlineData(new double[] { 1, 2, 3 }, 2)]
    [InlineData(new double[] { 1, 2, 3, 10 }, 2.5)]
    public void MedianIsTheMiddleOrTheMeanOfTheTwoMiddles(double[] sorted, double median) =>
        Assert.Equal(median, RitaStatistics.Median(sorted));

    [Fact]
    public void MedianOfNothingThrows() =>
        Assert.Throws<ArgumentException>(() => RitaStatistics.Median([]));

    // Odd n: the middle element belongs to neither half. Even n: the halves split evenly.
    [Theory]
    [InlineData(new double[] { 1, 2, 3 }, 1, 2, 3)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 1.5, 2.5, 3.5)]
    [InlineData(new double[] { 1, 2, 3, 4, 5 }, 1.5, 3, 4.5)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3.5, 5)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7 }, 2, 4, 6)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 2.5, 4.5, 6.5)]
    [InlineData(new double[] { 1856, 2012, 2064, 2155, 2259, 2259 }, 2012, 2109.5, 2259)]
    public void TukeyHinges(double[] sorted, double lower, double median, double upper) =>
        Assert.Equal(new Hinges(lower, median, upper), RitaStatistics.TukeyHinges(sorted));

    [Theory]
    [InlineData(10, 12, 30, 0.8)]
    [InlineData(10, 28, 30, -0.8)]
    [InlineData(10, 20, 30, 0)]
    // The median on a hinge: RITA calls it symmetric rather than maximally skewed.
    [InlineData(10, 10, 30, 0)]
    [InlineData(10, 30, 30, 0)]
    // Hinges under 10 apart: no skew, however lopsided.
    [InlineData(0, 1, 9.9, 0)]
    [InlineData(0, 1, 10, 0.8)]
    public void BowleySkew(double q1, double q2, double q3, double skew) =>
        Assert.Equal(skew, RitaStatistics.BowleySkew(new Hinges(q1, q2, q3)), 12);

    [Theory]
    [InlineData(new double[] { 1, 2, 3, 4, 100 }, 1)]
    [InlineData(new double[] { 5, 5, 5 }, 0)]
    [InlineData(new double[] { 1856, 2012, 2064, 2155, 2259, 2259 }, 123.5)]
    public void MedianAbsoluteDeviationIgnoresOutliers(double[] sorted, double mad) =>
        Assert.Equal(mad, RitaStatistics.MedianAbsoluteDeviation(sorted, RitaStatistics.Median(sorted)));

    [Theory]
    [InlineData(0.9205, 0.921)]
    [InlineData(0.92048, 0.92)]
    [InlineData(0.0005, 0.001)]
    public void Round3HalvesAwayFromZeroAsGoDoes(double x, double rounded) =>
        Assert.Equal(rounded, RitaStatistics.Round3(x));

    [Theory]
    [InlineData(1.0 / 3, 0.334)]
    [InlineData(0.5, 0.5)]
    public void Ceil3RoundsUp(double x, double rounded) =>
        Assert.Equal(rounded, RitaStatistics.Ceil3(x));
}
