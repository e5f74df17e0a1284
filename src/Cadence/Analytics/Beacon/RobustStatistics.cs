namespace Cadence.Analytics.Beacon;

/// <summary>
/// Order statistics the beacon analytic is built on. Quantiles rather than means and standard
/// deviations: a beacon's intervals carry outliers by nature (a missed check-in, a night's
/// sleep, a burst of tasking) and the few of them must not decide the score.
/// </summary>
internal static class RobustStatistics
{
    /// <summary>
    /// The q-quantile of sorted values, linearly interpolated between order statistics (the
    /// "type 7" estimator of R and NumPy, so figures can be checked there).
    /// </summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.IsEmpty)
            throw new ArgumentException("No values.", nameof(sorted));
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    public static double Median(ReadOnlySpan<double> sorted) => Quantile(sorted, 0.5);

    /// <summary>
    /// Spread of the central 80 %, relative to the median: (Q90 - Q10) / Q50. 0 for a metronome;
    /// about 0.53 for Cobalt Strike's 50 % jitter (uniform in [S/2, S]); above 3 for the
    /// exponential gaps of human activity. Scale-free, so one threshold serves 1 s and 24 h periods.
    /// </summary>
    public static double RelativeSpread(ReadOnlySpan<double> sorted, double floor = 0)
    {
        var median = Math.Max(Median(sorted), floor);
        if (median <= 0)
            return 0;
        return (Quantile(sorted, 0.9) - Quantile(sorted, 0.1)) / median;
    }
}
