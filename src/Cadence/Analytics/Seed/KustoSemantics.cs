namespace Cadence.Analytics.Seed;

/// <summary>The few Kusto operators the seed rule uses, with Kusto's exact semantics.</summary>
public static class KustoSemantics
{
    /// <summary>
    /// <c>datetime_diff('second', later, earlier)</c>: the number of second boundaries crossed,
    /// not the elapsed time truncated (23:00:10.100 minus 23:00:00.900 is 10, not 9).
    /// </summary>
    public static long DatetimeDiffSeconds(long laterTicks, long earlierTicks) =>
        FloorDiv(laterTicks, TimeSpan.TicksPerSecond) - FloorDiv(earlierTicks, TimeSpan.TicksPerSecond);

    /// <summary>Kusto long division: truncates toward zero, as C#'s does.</summary>
    public static long LongDivide(long dividend, long divisor) => dividend / divisor;

    /// <summary><c>x between (low .. high)</c>: inclusive at both ends.</summary>
    public static bool Between(long x, long low, long high) => x >= low && x <= high;

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
