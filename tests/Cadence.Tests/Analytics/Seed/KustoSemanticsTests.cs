using Cadence.Analytics.Seed;

namespace Cadence.Tests.Analytics.Seed;

public class KustoSemanticsTests
{
    [Theory]
    // The Kusto docs' example: 23:00:10.100 minus 23:00:00.900 crosses 10 second boundaries, though only 9.2 s elapse.
    [InlineData("2024-01-01T23:00:10.1000000", "2024-01-01T23:00:00.9000000", 10)]
    [InlineData("2024-01-01T23:00:00.9999999", "2024-01-01T23:00:00.0000000", 0)]
    [InlineData("2024-01-01T23:00:01.0000000", "2024-01-01T23:00:00.9999999", 1)]
    [InlineData("2024-01-01T23:00:00.0000000", "2024-01-01T23:00:00.0000000", 0)]
    [InlineData("2024-01-02T00:00:00.0000000", "2024-01-01T23:59:59.9999999", 1)]
    [InlineData("2024-01-01T23:00:00.0000000", "2024-01-01T23:00:10.1000000", -10)]
    public void DatetimeDiffSecondsCountsBoundariesCrossed(string later, string earlier, long expected)
    {
        var l = DateTime.Parse(later, System.Globalization.CultureInfo.InvariantCulture).Ticks;
        var e = DateTime.Parse(earlier, System.Globalization.CultureInfo.InvariantCulture).Ticks;
        Assert.Equal(expected, KustoSemantics.DatetimeDiffSeconds(l, e));
    }

    [Theory]
    [InlineData(899, 1, 899)]
    [InlineData(1799, 2, 899)]
    [InlineData(15, 16, 0)]
    [InlineData(31, 15, 2)]
    [InlineData(-7, 2, -3)]
    public void LongDivisionTruncates(long dividend, long divisor, long expected) =>
        Assert.Equal(expected, KustoSemantics.LongDivide(dividend, divisor));

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(900, true)]
    [InlineData(901, false)]
    public void BetweenIsInclusive(long x, bool expected) => Assert.Equal(expected, KustoSemantics.Between(x, 1, 900));
}
