namespace Cadence.Analytics.Rita;

/// <summary>
/// RITA v5's beacon score (activecm/rita v5.1.1, analysis/beacons.go), reproduced from its
/// description so Cadence's own scores can be compared with the best-known open detector on the
/// same data. Arithmetic follows RITA's float64 order of operations and Go's rounding, so equal
/// inputs give equal thousandths.
/// </summary>
public static class RitaBeaconScore
{
    /// <summary>At this many connections RITA stops scoring a series and calls it a strobe.</summary>
    public const int StrobeConnections = 86_400;

    /// <summary>RITA's unique_connection_threshold.</summary>
    public const int MinimumDistinctTimestamps = 4;

    /// <summary>The least number of values the ts (non-zero intervals) and ds (sizes) statistics need.</summary>
    public const int MinimumValues = 3;

    private const double Weight = 0.25;

    /// <summary>
    /// Scores one series (one source to one destination address or name, every port and protocol).
    /// </summary>
    /// <param name="timestampsSeconds">
    /// The series' connection times in whole Unix seconds, in any order. Pass the whole series:
    /// entries outside the window (before <see cref="RitaWindow.SeriesStart"/>, after
    /// <see cref="RitaWindow.MaxTs"/>) are left out here and counted in
    /// <see cref="RitaScore.OutsideWindow"/>.
    /// </param>
    /// <param name="originatorIpBytes">
    /// Bytes the source sent per connection counting IP headers (Zeek orig_ip_bytes), parallel to
    /// <paramref name="timestampsSeconds"/>; empty when unknown. RITA always has bytes (Zeek logs
    /// them); without them <see cref="RitaScore.DataSize"/> is null and the beacon score counts ds
    /// as 0, so it is a lower bound of what RITA would give (at most 0.25 below it). Not 0.5, which
    /// is what RITA gives sizes that all read 0 (median below 1: no spread marks, no skew): that
    /// would invent a pattern from missing data.
    /// </param>
    /// <param name="window">The window from all connections read, not from this series alone.</param>
    /// <exception cref="ArgumentException">Bytes given, but not one per timestamp.</exception>
    public static RitaScore Score(ReadOnlySpan<long> timestampsSeconds, ReadOnlySpan<long> originatorIpBytes, RitaWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var bytesKnown = !originatorIpBytes.IsEmpty;
        if (bytesKnown && originatorIpBytes.Length != timestampsSeconds.Length)
            RitaThrow.BytesNotParallel(timestampsSeconds.Length, originatorIpBytes.Length);

        var kept = new long[timestampsSeconds.Length];
        var keptSizes = new long[bytesKnown ? timestampsSeconds.Length : 0];
        var connections = 0;
        for (var i = 0; i < timestampsSeconds.Length; i++)
        {
            if (!window.Holds(timestampsSeconds[i]))
                continue;
            if (bytesKnown)
                keptSizes[connections] = originatorIpBytes[i];
            kept[connections++] = timestampsSeconds[i];
        }
        var times = kept.AsSpan(0, connections);
        times.Sort();
        var distinct = CountDistinct(times);
        var outside = timestampsSeconds.Length - connections;

        var skipped = window.MaxTs <= window.MinTs ? RitaSkipReason.EmptyWindow
            : connections >= StrobeConnections ? RitaSkipReason.Strobe
            : distinct < MinimumDistinctTimestamps ? RitaSkipReason.TooFewDistinctTimestamps
            : RitaSkipReason.None;
        if (skipped != RitaSkipReason.None)
            return new RitaScore(0, 0, bytesKnown ? 0 : null, 0, 0, connections, distinct, outside, bytesKnown, skipped, null, null, null, null);

        // Never null here: 4 distinct timestamps make 3 non-zero intervals, and 4 connections 4 sizes.
        var ts = Timestamp(times)!;
        var ds = bytesKnown ? DataSize(keptSizes.AsSpan(0, connections)) : null;
        var hist = RitaHistogramScore.Histogram(times, window.MinTs, window.MaxTs);
        var dur = RitaHistogramScore.Duration(hist, times[0], times[^1], window.MinTs, window.MaxTs);

        var beacon = RitaStatistics.Round3(
            (ts.Score * Weight) + ((ds?.Score ?? 0) * Weight) + (dur.Score * Weight) + (hist.Score * Weight));
        return new RitaScore(beacon, ts.Score, ds?.Score, dur.Score, hist.Score, connections, distinct, outside, bytesKnown,
            RitaSkipReason.None, ts, ds, hist, dur);
    }

    /// <summary>
    /// The ts sub-score over sorted timestamps: the intervals between them, zero intervals
    /// (connections in the same second) dropped. Null with fewer than 3 non-zero intervals.
    /// </summary>
    internal static RitaDispersion? Timestamp(ReadOnlySpan<long> sortedSeconds)
    {
        var intervals = new double[Math.Max(sortedSeconds.Length - 1, 0)];
        var count = 0;
        for (var i = 1; i < sortedSeconds.Length; i++)
        {
            var interval = sortedSeconds[i] - sortedSeconds[i - 1];
            if (interval > 0)
                intervals[count++] = interval;
        }
        if (count < MinimumValues)
            return null;
        var nonZero = intervals.AsSpan(0, count);
        nonZero.Sort();
        // A median interval under a second cannot be judged for spread: RITA gives full marks.
        return Dispersion(nonZero, madScoreBelowOne: 1);
    }

    /// <summary>The ds sub-score over per-connection byte counts in any order. Null with fewer than 3.</summary>
    internal static RitaDispersion? DataSize(ReadOnlySpan<long> bytes)
    {
        if (bytes.Length < MinimumValues)
            return null;
        var sizes = new double[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            sizes[i] = bytes[i];
        Array.Sort(sizes);
        // Connections sending under a byte (a median of 0: no payload, or unknown sizes read as 0)
        // show no size pattern: RITA gives no marks for spread.
        return Dispersion(sizes, madScoreBelowOne: 0);
    }

    internal static RitaDispersion Dispersion(ReadOnlySpan<double> sorted, double madScoreBelowOne)
    {
        var hinges = RitaStatistics.TukeyHinges(sorted);
        var skew = RitaStatistics.BowleySkew(hinges);
        var skewScore = 1.0 - Math.Abs(skew);
        var mad = RitaStatistics.MedianAbsoluteDeviation(sorted, hinges.Median);
        var madScore = hinges.Median >= 1 ? (hinges.Median - mad) / hinges.Median : madScoreBelowOne;
        if (madScore < 0 || double.IsNaN(madScore))
            madScore = 0;
        var score = RitaStatistics.Round3((skewScore + madScore) / 2.0);
        return new RitaDispersion(score, sorted.Length, hinges.Lower, hinges.Median, hinges.Upper, skew, skewScore, mad, madScore);
    }

    private static int CountDistinct(ReadOnlySpan<long> sorted)
    {
        var distinct = sorted.IsEmpty ? 0 : 1;
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] != sorted[i - 1])
                distinct++;
        }
        return distinct;
    }
}
