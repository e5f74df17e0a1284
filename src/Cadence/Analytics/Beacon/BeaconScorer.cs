using System.Globalization;
using System.Runtime.InteropServices;

namespace Cadence.Analytics.Beacon;

/// <summary>What the beacon score needs to know beyond the series itself.</summary>
/// <param name="MinCheckIns">Fewer check-ins than this cannot show a period: the series is not scored.</param>
/// <param name="DuplicateGap">A connection closer than this to the previous check-in is part of it (a retry, a keep-alive burst).</param>
/// <param name="Window">The lookback the series was gathered over; persistence is judged against it.</param>
public sealed record BeaconParameters(int MinCheckIns, TimeSpan DuplicateGap, TimeSpan Window);

/// <summary>
/// How regular a channel's connections are, and why: the period and jitter found, each
/// sub-score, and what was folded away to find them. Every figure a finding shows comes from here.
/// </summary>
public sealed record BeaconAssessment
{
    /// <summary>False when the series is too short or too broken to time; <see cref="NotScoredReason"/> says why.</summary>
    public required bool Scored { get; init; }

    public string? NotScoredReason { get; init; }

    /// <summary>Connections in the series as given.</summary>
    public required int Connections { get; init; }

    /// <summary>Check-ins left once duplicates and bursts are merged: what the timing is measured on.</summary>
    public int CheckIns { get; init; }

    /// <summary>Connections within the duplicate gap of the previous check-in (retries, keep-alive).</summary>
    public int Duplicates { get; init; }

    /// <summary>Connections merged into a check-in because they came far sooner than the period (tasking bursts).</summary>
    public int BurstConnections { get; init; }

    /// <summary>Check-ins inferred missing: an interval of k periods counts k - 1.</summary>
    public int MissedCheckIns { get; init; }

    /// <summary>Silences far longer than the period (sleep hours, a laptop closed), excluded from the timing.</summary>
    public int Gaps { get; init; }

    public double GapSeconds { get; init; }

    /// <summary>The median interval once missed check-ins are folded: the beacon's sleep.</summary>
    public double PeriodSeconds { get; init; }

    /// <summary>5th and 95th percentiles of the folded intervals: the range the jitter spreads them over.</summary>
    public double IntervalLowSeconds { get; init; }

    public double IntervalHighSeconds { get; init; }

    /// <summary>Half the 5-95 % interval range, relative to the period (Cobalt Strike's 50 % jitter gives about 0.33).</summary>
    public double Jitter { get; init; }

    /// <summary>1 for a metronome, falling to 0 as the central 80 % of intervals spreads to 1.6 periods.</summary>
    public double Regularity { get; init; }

    /// <summary>How constant the bytes sent per check-in are; null when the telemetry has no byte counts.</summary>
    public double? SizeConsistency { get; init; }

    /// <summary>How long the beacon kept going, against the time a steady beacon needs to show itself.</summary>
    public double Persistence { get; init; }

    /// <summary>Confidence from the number of check-ins against the jitter: 0.75 at 6 for a metronome, full from 11 x (1 + 2 x spread).</summary>
    public double Support { get; init; }

    /// <summary>The combined score in [0, 1].</summary>
    public double Score { get; init; }

    private readonly IReadOnlyList<string>? _reasons;

    /// <summary>
    /// Why, in words. Formatted when read, from <see cref="Facts"/>: a run scores tens of
    /// thousands of channels and shows a few thousand, and formatting every assessment's five or
    /// six sentences was a large share of the beacon analytic's time. Read it once and keep it.
    /// </summary>
    public IReadOnlyList<string> Reasons
    {
        get => _reasons ?? (Facts is { } facts ? BeaconScorer.Explain(facts) : []);
        init => _reasons = value;
    }

    /// <summary>What <see cref="Reasons"/> are made from (values, so assessments compare by value).</summary>
    internal BeaconFacts? Facts { get; init; }
}

/// <summary>What the reasons of a scored series are made from.</summary>
internal readonly record struct BeaconFacts(
    double Period, double Low, double High, double Jitter, int CheckIns, double SpanSeconds, double Support,
    int Missed, int Gaps, double GapSeconds, int Bursts, int Duplicates, TimeSpan DuplicateGap,
    double? SizeConsistency, int SizesKnown, double TypicalSize);

/// <summary>
/// Cadence's beacon score: finds the period and jitter of a channel's connections in a way that
/// holds under the jitter models C2 frameworks use, missed check-ins, tasking bursts and sleep
/// hours, then scores regularity, data-size consistency and persistence. docs/analytics.md
/// gives the math and why each constant is what it is.
/// </summary>
public static class BeaconScorer
{
    // A connection sooner than this share of the median interval is part of the previous check-in:
    // the shortest interval Cobalt Strike's maximum 50 % jitter allows is 0.67 of its median, so
    // no real sleep is merged, while tasking bursts (seconds within a minute's sleep) are.
    private const double BurstShare = 0.3;

    // An interval within this distance of k whole periods (k from 2 to MaxFold) is k - 1 missed
    // check-ins; longer silences are gaps.
    private const double FoldTolerance = 0.25;
    private const int MaxFold = 12;

    // A beacon misses a few check-ins (a dropped packet, a busy server); an interval set in which
    // more than this share of check-ins would have to be missing is not a beacon with gaps but a
    // flow without a period (browsing), and is left unfolded so its spread shows.
    private const double MaxMissedShare = 0.25;
    private const double GapRatio = 2.5;

    // Regularity is 1 up to a relative spread of FullSpread and 0 from ZeroSpread: Cobalt Strike
    // at 50 % jitter spreads 0.53, human activity (exponential gaps) above 3.
    private const double FullSpread = 0.2;
    private const double ZeroSpread = 1.6;

    // Check-ins a metronome needs for full confidence; a jittered rhythm needs more (see Assess).
    private const double FullSupportCheckIns = 11;

    // The time a steady beacon needs to show itself: six hours, or twelve periods for slow ones.
    private static readonly TimeSpan PersistenceTarget = TimeSpan.FromHours(6);
    private const int PersistencePeriods = 12;

    /// <summary>Scores one series.</summary>
    /// <param name="ticks">Connection times (<see cref="DateTime.Ticks"/>), ascending.</param>
    /// <param name="sentBytes">Bytes sent per connection, aligned with <paramref name="ticks"/>, -1 where unknown; empty when the telemetry has none.</param>
    public static BeaconAssessment Assess(ReadOnlySpan<long> ticks, ReadOnlySpan<long> sentBytes, BeaconParameters parameters) =>
        Assess(ticks, sentBytes, parameters, new BeaconScratch());

    /// <summary>As <see cref="Assess(ReadOnlySpan{long}, ReadOnlySpan{long}, BeaconParameters)"/>, with working arrays reused from call to call on one thread.</summary>
    public static BeaconAssessment Assess(ReadOnlySpan<long> ticks, ReadOnlySpan<long> sentBytes, BeaconParameters parameters, BeaconScratch scratch)
    {
        var connections = ticks.Length;
        var checkIns = scratch.CheckIns;
        checkIns.Clear();
        var duplicates = MergeCloserThan(ticks, parameters.DuplicateGap.Ticks, allIndexes: null, checkIns);
        if (checkIns.Count < parameters.MinCheckIns)
            return NotScored(connections, $"{Plural(checkIns.Count, "check-in")}; at least {parameters.MinCheckIns} are needed to show a period");

        var intervals = Intervals(ticks, checkIns, scratch);
        var median = Median(intervals, scratch);
        var bursts = 0;
        var burstGap = (long)(median * BurstShare * TimeSpan.TicksPerSecond);
        if (burstGap > parameters.DuplicateGap.Ticks)
        {
            var merged = scratch.Merged;
            merged.Clear();
            var burstsFound = MergeCloserThan(ticks, burstGap, checkIns, merged);
            // Merging must leave a series to time; a flow made only of bursts keeps its raw intervals.
            if (merged.Count >= parameters.MinCheckIns)
            {
                bursts = burstsFound;
                checkIns = merged;
                intervals = Intervals(ticks, checkIns, scratch);
                median = Median(intervals, scratch);
            }
        }

        var fold = FoldIntervals(intervals, median, ticks[checkIns[^1]] - ticks[checkIns[0]], scratch);
        if (fold.Intervals.Length < 3)
            return NotScored(connections, $"only {Plural(fold.Intervals.Length, "interval")} between long silences; too few to time");

        var folded = fold.Intervals;
        folded.Sort();
        var period = RobustStatistics.Median(folded);
        var low = RobustStatistics.Quantile(folded, 0.05);
        var high = RobustStatistics.Quantile(folded, 0.95);
        var jitter = period > 0 ? (high - low) / 2 / period : 0;
        var spread = RobustStatistics.RelativeSpread(folded);
        var regularity = Clamp01((ZeroSpread - spread) / (ZeroSpread - FullSpread));

        var sizeConsistency = SizeConsistency(sentBytes, checkIns, scratch, out var typicalSize, out var sizesKnown);

        var firstTicks = ticks[checkIns[0]];
        var lastTicks = ticks[checkIns[^1]];
        var activeSeconds = Math.Max(0, (lastTicks - firstTicks) / (double)TimeSpan.TicksPerSecond - fold.GapSeconds);
        var target = Math.Min(parameters.Window.TotalSeconds, Math.Max(PersistenceTarget.TotalSeconds, PersistencePeriods * period));
        var persistence = target > 0 ? Clamp01(activeSeconds / target) : 1;

        // The looser the rhythm, the more check-ins it takes to tell it from chance: a handful of
        // a human's visits can land at similar intervals, a handful of metronome ticks cannot.
        var checkInsForFullSupport = FullSupportCheckIns * (1 + 2 * spread);
        var support = Math.Min(1, 0.5 + 0.5 * (checkIns.Count - 1) / (checkInsForFullSupport - 1));
        var combined = sizeConsistency is { } size
            ? 0.55 * regularity + 0.20 * size + 0.25 * persistence
            : 0.70 * regularity + 0.30 * persistence;
        var score = Math.Round(support * combined, 3, MidpointRounding.AwayFromZero);

        var facts = new BeaconFacts(period, low, high, jitter, checkIns.Count, (lastTicks - firstTicks) / (double)TimeSpan.TicksPerSecond, support,
            fold.Missed, fold.Gaps, fold.GapSeconds, bursts, duplicates, parameters.DuplicateGap, sizeConsistency, sizesKnown, typicalSize);

        return new BeaconAssessment
        {
            Scored = true,
            Connections = connections,
            CheckIns = checkIns.Count,
            Duplicates = duplicates,
            BurstConnections = bursts,
            MissedCheckIns = fold.Missed,
            Gaps = fold.Gaps,
            GapSeconds = fold.GapSeconds,
            PeriodSeconds = period,
            IntervalLowSeconds = low,
            IntervalHighSeconds = high,
            Jitter = jitter,
            Regularity = Math.Round(regularity, 3, MidpointRounding.AwayFromZero),
            SizeConsistency = sizeConsistency is { } s ? Math.Round(s, 3, MidpointRounding.AwayFromZero) : null,
            Persistence = Math.Round(persistence, 3, MidpointRounding.AwayFromZero),
            Support = support,
            Score = score,
            Facts = facts,
        };
    }

    internal static List<string> Explain(in BeaconFacts f)
    {
        var reasons = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"period {Seconds.Format(f.Period)}, intervals {Seconds.Format(f.Low)} to {Seconds.Format(f.High)} (jitter ±{f.Jitter * 100:0} %)"),
            $"{Plural(f.CheckIns, "check-in")} over {Seconds.Format(f.SpanSeconds)}"
                + (f.Support < 1 ? string.Create(CultureInfo.InvariantCulture, $" (few for this jitter: confidence {f.Support:0.00})") : string.Empty),
        };
        if (f.Missed > 0)
            reasons.Add($"{Plural(f.Missed, "missed check-in")} inferred from intervals of whole periods");
        if (f.Gaps > 0)
            reasons.Add($"{Plural(f.Gaps, "long silence")} ({Seconds.Format(f.GapSeconds)} in all) left out of the timing: sleep hours or offline");
        if (f.Bursts > 0)
            reasons.Add($"{Plural(f.Bursts, "connection")} in bursts between check-ins merged (tasking?)");
        if (f.Duplicates > 0)
            reasons.Add($"{Plural(f.Duplicates, "connection")} within {Seconds.Format(f.DuplicateGap.TotalSeconds)} of the previous one merged (retries, keep-alive)");
        reasons.Add(f.SizeConsistency switch
        {
            null when f.SizesKnown == 0 => "bytes sent unknown in this telemetry: data size not scored",
            null => $"bytes sent known for only {f.SizesKnown} check-ins: data size not scored",
            >= 0.9 => string.Create(CultureInfo.InvariantCulture, $"bytes sent nearly constant (about {f.TypicalSize:N0} per check-in)"),
            _ => string.Create(CultureInfo.InvariantCulture, $"bytes sent vary (median {f.TypicalSize:N0} per check-in)"),
        });
        return reasons;
    }

    /// <summary>
    /// Keeps the indexes (of <paramref name="allIndexes"/>, or of every connection) that come at
    /// least <paramref name="gapTicks"/> after the last kept one; returns how many were merged.
    /// </summary>
    private static int MergeCloserThan(ReadOnlySpan<long> ticks, long gapTicks, List<int>? allIndexes, List<int> kept)
    {
        var count = allIndexes?.Count ?? ticks.Length;
        var merged = 0;
        var last = long.MinValue;
        for (var k = 0; k < count; k++)
        {
            var i = allIndexes is null ? k : allIndexes[k];
            if (kept.Count > 0 && ticks[i] - last < gapTicks)
            {
                merged++;
                continue;
            }
            kept.Add(i);
            last = ticks[i];
        }
        return merged;
    }

    private static Span<double> Intervals(ReadOnlySpan<long> ticks, List<int> checkIns, BeaconScratch scratch)
    {
        var intervals = BeaconScratch.Reserve(ref scratch.Intervals, checkIns.Count - 1);
        for (var i = 1; i < checkIns.Count; i++)
            intervals[i - 1] = (ticks[checkIns[i]] - ticks[checkIns[i - 1]]) / (double)TimeSpan.TicksPerSecond;
        return intervals;
    }

    private static double Median(ReadOnlySpan<double> values, BeaconScratch scratch)
    {
        var copy = BeaconScratch.Reserve(ref scratch.Sorted, values.Length);
        values.CopyTo(copy);
        copy.Sort();
        return RobustStatistics.Median(copy);
    }

    private readonly ref struct Folding(Span<double> intervals, int missed, int gaps, double gapSeconds)
    {
        public Span<double> Intervals { get; } = intervals;
        public int Missed { get; } = missed;
        public int Gaps { get; } = gaps;
        public double GapSeconds { get; } = gapSeconds;
    }

    /// <summary>
    /// Divides intervals of k whole periods by k (missed check-ins) and sets aside silences far
    /// longer than the period (sleep hours), as long as there are no more of them than a day
    /// and a night per day of data explain: more, and the silences are the flow's nature
    /// (human activity), so they stay in and the spread shows it.
    /// </summary>
    /// <param name="period">The median of <paramref name="intervals"/>.</param>
    private static Folding FoldIntervals(Span<double> intervals, double period, long spanTicks, BeaconScratch scratch)
    {
        if (period <= 0)
            return new Folding(intervals, 0, 0, 0);
        var kept = scratch.Kept;
        kept.Clear();
        var gaps = scratch.Gaps;
        gaps.Clear();
        var missed = 0;
        foreach (var d in intervals)
        {
            var ratio = d / period;
            var k = Math.Round(ratio);
            if (ratio >= 2 - FoldTolerance && k <= MaxFold && Math.Abs(ratio - k) <= FoldTolerance)
            {
                kept.Add(d / k);
                missed += (int)k - 1;
            }
            else if (ratio > GapRatio)
            {
                gaps.Add(d);
            }
            else
            {
                kept.Add(d);
            }
        }
        if (missed > MaxMissedShare * intervals.Length)
            return new Folding(intervals, 0, 0, 0);
        var allowedGaps = 1 + (int)(spanTicks / TimeSpan.TicksPerDay);
        if (gaps.Count > allowedGaps)
        {
            kept.AddRange(gaps);
            return new Folding(CollectionsMarshal.AsSpan(kept), missed, 0, 0);
        }
        return new Folding(CollectionsMarshal.AsSpan(kept), missed, gaps.Count, gaps.Sum());
    }

    private static double? SizeConsistency(ReadOnlySpan<long> sentBytes, List<int> checkIns, BeaconScratch scratch, out double typical, out int known)
    {
        typical = 0;
        known = 0;
        if (sentBytes.IsEmpty)
            return null;
        var sizes = scratch.Sizes;
        sizes.Clear();
        foreach (var i in checkIns)
        {
            if (sentBytes[i] >= 0)
                sizes.Add(sentBytes[i]);
        }
        known = sizes.Count;
        // Sizes on fewer than half the check-ins describe some other flow than the one timed.
        if (sizes.Count < 3 || sizes.Count * 2 < checkIns.Count)
            return null;
        var sorted = CollectionsMarshal.AsSpan(sizes);
        sorted.Sort();
        typical = RobustStatistics.Median(sorted);
        // Zero-byte check-ins (a bare TCP handshake) are as constant as can be: floor the median at 1.
        var spread = RobustStatistics.RelativeSpread(sorted, floor: 1);
        return Clamp01((1.0 - spread) / 0.8);
    }

    private static BeaconAssessment NotScored(int connections, string reason) =>
        new() { Scored = false, NotScoredReason = reason, Connections = connections };

    private static double Clamp01(double value) => Math.Clamp(value, 0, 1);

    private static string Plural(int count, string noun) =>
        count == 1 ? $"1 {noun}" : string.Create(CultureInfo.InvariantCulture, $"{count:N0} {noun}s");
}

/// <summary>
/// The working arrays of <see cref="BeaconScorer.Assess(ReadOnlySpan{long}, ReadOnlySpan{long}, BeaconParameters, BeaconScratch)"/>,
/// reused from channel to channel by one thread: scoring a 1M-row export's 29,000 channels made
/// six or seven arrays each (check-ins, intervals, sorted copies, folded intervals), about 25 MB
/// of fresh memory in a run that otherwise allocates about 170 MB. Not thread-safe: one per thread.
/// </summary>
public sealed class BeaconScratch
{
    internal readonly List<int> CheckIns = [];
    internal readonly List<int> Merged = [];
    internal readonly List<double> Kept = [];
    internal readonly List<double> Gaps = [];
    internal readonly List<double> Sizes = [];
    internal double[] Intervals = [];
    internal double[] Sorted = [];

    internal static Span<double> Reserve(ref double[] buffer, int length)
    {
        if (buffer.Length < length)
            buffer = new double[Math.Max(length, buffer.Length * 2)];
        return buffer.AsSpan(0, length);
    }
}
