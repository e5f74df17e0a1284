using Cadence.Scoring;

namespace Cadence.Analytics.Rita;

/// <summary>
/// RITA v5's beacon score of one series, with the sub-scores and the numbers behind them so an
/// analyst can see why it is high or low.
/// </summary>
/// <param name="Beacon">
/// round3 of the four sub-scores weighted 0.25 each; 0 when <see cref="Skipped"/> says the series
/// was not scored. When the bytes are unknown the data-size quarter counts as 0, so Beacon is a
/// lower bound and the score RITA would give with bytes lies in [Beacon, Beacon + 0.25].
/// </param>
/// <param name="Timestamp">The timestamp sub-score (ts); 0 when not scored.</param>
/// <param name="DataSize">The data-size sub-score (ds); null when the bytes are unknown, else 0 when not scored.</param>
/// <param name="Duration">The duration sub-score (dur); 0 when not scored.</param>
/// <param name="Histogram">The histogram sub-score (hist); 0 when not scored.</param>
/// <param name="Connections">Connections in the window (from <see cref="RitaWindow.SeriesStart"/> to <see cref="RitaWindow.MaxTs"/>), repeated timestamps included.</param>
/// <param name="DistinctTimestamps">Distinct whole-second timestamps among <see cref="Connections"/>.</param>
/// <param name="OutsideWindow">Entries of the given series left out because they fall before <see cref="RitaWindow.SeriesStart"/> or after <see cref="RitaWindow.MaxTs"/>.</param>
/// <param name="BytesKnown">False when no byte counts were given: <see cref="DataSize"/> is then null.</param>
/// <param name="Skipped">Why the series was not scored; <see cref="RitaSkipReason.None"/> when it was.</param>
/// <param name="Intervals">How the ts score was reached; null when not scored.</param>
/// <param name="Sizes">How the ds score was reached; null when not scored or the bytes are unknown.</param>
/// <param name="Bins">How the hist score was reached (and the bins the duration score reads); null when not scored.</param>
/// <param name="Span">How the dur score was reached; null when not scored.</param>
public sealed record RitaScore(
    double Beacon,
    double Timestamp,
    double? DataSize,
    double Duration,
    double Histogram,
    int Connections,
    int DistinctTimestamps,
    int OutsideWindow,
    bool BytesKnown,
    RitaSkipReason Skipped,
    RitaDispersion? Intervals,
    RitaDispersion? Sizes,
    RitaHistogram? Bins,
    RitaDuration? Span)
{
    public bool Scored => Skipped == RitaSkipReason.None;

    /// <summary>RITA's severity band for <see cref="Beacon"/>.</summary>
    public Severity Severity => RitaSeverity.FromBeacon(Beacon);
}

/// <summary>Why RITA would not score a series.</summary>
public enum RitaSkipReason
{
    None,

    /// <summary>The window has no length (all connections at one second): RITA refuses to divide by it.</summary>
    EmptyWindow,

    /// <summary>86,400 connections or more in the window: RITA lists such a series as a strobe instead.</summary>
    Strobe,

    /// <summary>
    /// Fewer than 4 distinct timestamps (RITA's unique_connection_threshold), which is the same as
    /// fewer than 3 non-zero intervals, the least the timestamp score needs.
    /// </summary>
    TooFewDistinctTimestamps,
}

/// <summary>
/// The ts or ds sub-score: symmetry (Bowley skewness over Tukey hinges) and spread (median
/// absolute deviation relative to the median) of the intervals or sizes, each scored 0 to 1.
/// </summary>
/// <param name="Score">round3((SkewScore + MadScore) / 2).</param>
/// <param name="Count">Values scored: non-zero intervals for ts, connections for ds.</param>
/// <param name="LowerHinge">Q1.</param>
/// <param name="Median">Q2.</param>
/// <param name="UpperHinge">Q3.</param>
/// <param name="Skew">Bowley skewness, 0 when the hinges are under 10 apart or the median sits on one.</param>
/// <param name="SkewScore">1 - |Skew|.</param>
/// <param name="Mad">Median absolute deviation.</param>
/// <param name="MadScore">(Median - Mad) / Median, at least 0; a fixed default when the median is below 1 (1 for ts, 0 for ds).</param>
public sealed record RitaDispersion(
    double Score, int Count, double LowerHinge, double Median, double UpperHinge,
    double Skew, double SkewScore, double Mad, double MadScore);

/// <summary>
/// The hist sub-score: the connections counted in 24 equal bins over [MinTs, MaxTs], scored for
/// flatness (coefficient of variation) or for two dominant heights (bimodal fit).
/// </summary>
/// <param name="Score">max(CvScore, BimodalScore).</param>
/// <param name="Counts">Connections per bin, 24 of them; connections before MinTs count in the first.</param>
/// <param name="NonEmptyBins">Bins holding at least one connection.</param>
/// <param name="LongestRun">Longest run of consecutive non-empty bins, wrapping from the last to the first, at most 24.</param>
/// <param name="CvScore">round3(1 - cv), 0 when cv &gt; 1.</param>
/// <param name="BimodalScore">Share of non-empty bins in the two most frequent heights; 0 with fewer than 11 non-empty bins.</param>
public sealed record RitaHistogram(
    double Score, IReadOnlyList<int> Counts, int NonEmptyBins, int LongestRun, double CvScore, double BimodalScore);

/// <summary>The dur sub-score: how much of the day the series spans, or how long it ran without a gap.</summary>
/// <param name="Score">max(Coverage, Consistency); 0 with fewer than 6 non-empty bins.</param>
/// <param name="Coverage">ceil3((last - first) / (MaxTs - MinTs)), at most 1; 0 with fewer than 6 non-empty bins.</param>
/// <param name="Consistency">ceil3(longest run / 12), at most 1; 0 with fewer than 6 non-empty bins.</param>
public sealed record RitaDuration(double Score, double Coverage, double Consistency);
