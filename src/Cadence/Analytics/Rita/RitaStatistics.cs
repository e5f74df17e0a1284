namespace Cadence.Analytics.Rita;

/// <summary>Tukey hinges of a sample: the quartiles RITA's Bowley skewness is built on.</summary>
/// <param name="Lower">Q1: median of the lower half (the middle element excluded when the count is odd).</param>
/// <param name="Median">Q2.</param>
/// <param name="Upper">Q3: median of the upper half.</param>
internal readonly record struct Hinges(double Lower, double Median, double Upper);

/// <summary>
/// The order statistics RITA v5 takes from the Go package montanaflynn/stats, over sorted
/// samples, in float64 with the same operation order so results agree to the last bit.
/// </summary>
internal static class RitaStatistics
{
    /// <summary>
    /// RITA's skewness is taken as 0 below this inter-hinge spread (seconds or bytes): a few
    /// seconds of jitter around a steady period must not count as asymmetry.
    /// </summary>
    public const double MinimumHingeSpread = 10;

    /// <summary>The middle value, or the mean of the two middle values when the count is even.</summary>
    public static double Median(ReadOnlySpan<double> sorted)
    {
        if (sorted.IsEmpty)
            RitaThrow.EmptySample();
        var half = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    }

    /// <summary>Needs at least 2 values, so that each half holds one.</summary>
    public static Hinges TukeyHinges(ReadOnlySpan<double> sorted)
    {
        if (sorted.Length < 2)
            RitaThrow.EmptySample();
        var half = sorted.Length / 2;
        var upperStart = sorted.Length % 2 == 1 ? half + 1 : half;
        return new Hinges(Median(sorted[..half]), Median(sorted), Median(sorted[upperStart..]));
    }

    /// <summary>
    /// (Q1 + Q3 - 2 Q2) / (Q3 - Q1), in [-1, 1]; 0 when the hinges are closer than
    /// <see cref="MinimumHingeSpread"/> or the median sits on a hinge, where RITA calls the
    /// distribution symmetric rather than divide by a tiny spread.
    /// </summary>
    public static double BowleySkew(Hinges h)
    {
        var spread = h.Upper - h.Lower;
        if (spread < MinimumHingeSpread || h.Median == h.Lower || h.Median == h.Upper)
            return 0;
        return (h.Lower + h.Upper - 2 * h.Median) / spread;
    }

    /// <summary>median(|x - median|): the spread a few outliers cannot move.</summary>
    public static double MedianAbsoluteDeviation(ReadOnlySpan<double> sample, double median)
    {
        var deviations = new double[sample.Length];
        for (var i = 0; i < sample.Length; i++)
            deviations[i] = Math.Abs(sample[i] - median);
        Array.Sort(deviations);
        return Median(deviations);
    }

    /// <summary>Go's math.Round(x * 1000) / 1000: halves away from zero, unlike .NET's default.</summary>
    public static double Round3(double x) => Math.Round(x * 1000, MidpointRounding.AwayFromZero) / 1000;

    /// <summary>math.Ceil(x * 1000) / 1000, as RITA rounds the duration sub-scores up.</summary>
    public static double Ceil3(double x) => Math.Ceiling(x * 1000) / 1000;
}
