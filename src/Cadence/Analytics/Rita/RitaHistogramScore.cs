namespace Cadence.Analytics.Rita;

/// <summary>RITA's hist and dur sub-scores: both read the same 24 bins over [MinTs, MaxTs].</summary>
internal static class RitaHistogramScore
{
    /// <summary>Equal-width bins over the window, not clock hours: the first starts at MinTs.</summary>
    public const int BinCount = 24;

    /// <summary>
    /// Below this many non-empty bins a histogram with one or two bars would look perfectly
    /// bimodal, so RITA does not try (HistBimodalMinHours).
    /// </summary>
    public const int BimodalMinimumBins = 11;

    /// <summary>Heights within 5 % of the tallest bin count as the same mode (HistModeSensitivity).</summary>
    public const double ModeSensitivity = 0.05;

    /// <summary>RITA forgives one outlying bin in the bimodal fit (HistBimodalOutlierRemoval).</summary>
    public const int BimodalOutlierBins = 1;

    /// <summary>Below this many non-empty bins the duration score is 0 (DurMinHours).</summary>
    public const int DurationMinimumBins = 6;

    /// <summary>A run of this many non-empty bins earns a full consistency score (DurIdealNumberOfConsistentHours).</summary>
    public const int IdealConsecutiveBins = 12;

    /// <summary>The hist sub-score of sorted timestamps, none after <paramref name="maxTs"/>.</summary>
    public static RitaHistogram Histogram(ReadOnlySpan<long> sortedSeconds, long minTs, long maxTs)
    {
        var counts = Bin(sortedSeconds, minTs, maxTs);
        var nonEmpty = 0;
        var tallest = 0;
        foreach (var count in counts)
        {
            if (count > 0)
                nonEmpty++;
            tallest = Math.Max(tallest, count);
        }
        var cvScore = CvScore(counts);
        var bimodal = nonEmpty >= BimodalMinimumBins ? BimodalScore(counts, tallest, nonEmpty) : 0;
        return new RitaHistogram(Math.Max(cvScore, bimodal), counts, nonEmpty, LongestRun(counts), cvScore, bimodal);
    }

    /// <summary>The dur sub-score, from the series' own first and last timestamps.</summary>
    public static RitaDuration Duration(RitaHistogram histogram, long first, long last, long minTs, long maxTs)
    {
        if (histogram.NonEmptyBins < DurationMinimumBins)
            return new RitaDuration(0, 0, 0);
        // The series may start before MinTs (RITA's hour buckets), so coverage can exceed 1.
        var coverage = Math.Min(RitaStatistics.Ceil3((double)(last - first) / (maxTs - minTs)), 1.0);
        var consistency = Math.Min(RitaStatistics.Ceil3((double)histogram.LongestRun / IdealConsecutiveBins), 1.0);
        return new RitaDuration(Math.Max(coverage, consistency), coverage, consistency);
    }

    /// <summary>
    /// Connections per bin. Edges are computed in floating point as RITA does (the window rarely
    /// divides into whole seconds), each bin holding [edge, next edge); the last one also holds
    /// MaxTs, the first one everything before MinTs.
    /// </summary>
    internal static int[] Bin(ReadOnlySpan<long> seconds, long minTs, long maxTs)
    {
        var step = (double)(maxTs - minTs) / BinCount;
        var upperEdges = new double[BinCount];
        for (var i = 0; i < BinCount - 1; i++)
            upperEdges[i] = minTs + ((i + 1) * step);
        upperEdges[BinCount - 1] = maxTs;

        var counts = new int[BinCount];
        foreach (var t in seconds)
        {
            var bin = 0;
            while (bin < BinCount - 1 && t >= upperEdges[bin])
                bin++;
            counts[bin]++;
        }
        return counts;
    }

    /// <summary>round3(1 - population standard deviation / mean) of the bin counts; 0 when that ratio exceeds 1.</summary>
    internal static double CvScore(ReadOnlySpan<int> counts)
    {
        var total = 0;
        foreach (var count in counts)
            total += count;
        if (total == 0)
            return 0;
        var mean = (double)total / counts.Length;
        var squares = 0.0;
        foreach (var count in counts)
            squares += (count - mean) * (count - mean);
        var cv = Math.Sqrt(squares / counts.Length) / Math.Abs(mean);
        return cv > 1.0 ? 0 : Math.Min(RitaStatistics.Round3(1.0 - cv), 1.0);
    }

    /// <summary>
    /// Share of the non-empty bins (one outlier forgiven) whose heights fall in the two most
    /// frequent height buckets: a beacon that alternates between two rates still scores well.
    /// </summary>
    internal static double BimodalScore(ReadOnlySpan<int> counts, int tallest, int nonEmpty)
    {
        var width = Math.Ceiling(tallest * ModeSensitivity);
        var frequencies = new Dictionary<int, int>();
        foreach (var count in counts)
        {
            if (count == 0)
                continue;
            var bucket = (int)(Math.Floor(count / width) * width);
            frequencies[bucket] = frequencies.GetValueOrDefault(bucket) + 1;
        }
        int largest = 0, second = 0;
        foreach (var frequency in frequencies.Values)
        {
            if (frequency > largest)
            {
                second = largest;
                largest = frequency;
            }
            else if (frequency > second)
            {
                second = frequency;
            }
        }
        var fit = (largest + second) / Math.Max(nonEmpty - BimodalOutlierBins, 1.0);
        return Math.Min(RitaStatistics.Round3(fit), 1.0);
    }

    /// <summary>Longest run of consecutive non-empty bins, wrapping from the last bin to the first, at most 24.</summary>
    internal static int LongestRun(ReadOnlySpan<int> counts)
    {
        int longest = 0, run = 0;
        for (var i = 0; i < counts.Length * 2; i++)
        {
            run = counts[i % counts.Length] > 0 ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return Math.Min(longest, counts.Length);
    }
}
