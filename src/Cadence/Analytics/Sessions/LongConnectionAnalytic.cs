using System.Globalization;
using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Telemetry;

namespace Cadence.Analytics.Sessions;

/// <summary>A channel's connection time over the window, as <see cref="LongConnectionAnalytic.Measure"/> counts it.</summary>
/// <param name="Total">Sum of the durations logged, each cut at the end of the window: what the tiers rate.</param>
/// <param name="Covered">Time at least one connection was open (overlaps counted once).</param>
/// <param name="Longest">The longest single connection, cut at the end of the window.</param>
/// <param name="WithDuration">Connections whose duration the source logged.</param>
/// <param name="WithoutDuration">Connections without one: counted for nothing, never guessed.</param>
public readonly record struct ConnectionTime(TimeSpan Total, TimeSpan Covered, TimeSpan Longest, int WithDuration, int WithoutDuration);

/// <summary>
/// Cumulative connection time per channel over the window, rated by the tuning file's
/// <c>long_connections</c> tiers (RITA's 1 h, 4 h, 8 h, 12 h). Web traffic opens and closes;
/// a tunnel, a reverse shell or a WebSocket C2 held open for hours does not, and shows no
/// check-ins for the beacon analytic to time. Only sources that log a duration (Zeek conn.log,
/// Squid's native log) can show it: a connection without one adds nothing.
/// </summary>
/// <remarks>
/// Long polling (web mail, chat, sync clients) adds up to hours too; those destinations are
/// used fleet-wide, and the fleet policy lowers a common destination's finding two steps, as it
/// raises a rare destination's one step.
/// </remarks>
public sealed class LongConnectionAnalytic : IChannelAnalytic
{
    public const string AnalyticName = "long-connection";

    public string Name => AnalyticName;

    public TelemetryFields Requires => TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.Duration;

    public IReadOnlyList<Finding> Evaluate(HuntContext context)
    {
        var tiers = context.Tuning.LongConnections;
        var windowEnd = context.Channels.AsOfTicks;
        var findings = new List<Finding>();
        foreach (var (key, series) in context.Channels.Channels.WithDetails)
        {
            if (series.DurationTicksTotal <= 0)
                continue;
            var time = Measure(series.Connections, windowEnd);
            var total = time.Total;
            // Beyond the per-channel limit connections are counted, not kept: their durations are
            // only in the channel's running total (which may reach back before the window).
            if (series.Overflow > 0)
                total = TimeSpan.FromTicks(Math.Max(total.Ticks, series.DurationTicksTotal));
            if (tiers.Classify(total) is not { } severity || !context.Builds(severity, key, series))
                continue;
            var prevalence = context.PrevalenceOf(key.Destination);
            findings.Add(HuntContext.Describe(key, series, Name, Score(total, tiers), severity, prevalence) with
            {
                SubScores = new Dictionary<string, double?>
                {
                    ["connectedHours"] = Math.Round(total.TotalHours, 3),
                    ["coveredHours"] = Math.Round(time.Covered.TotalHours, 3),
                    ["longestHours"] = Math.Round(time.Longest.TotalHours, 3),
                },
                Reasons = Reasons(time, total, series.Overflow, series.StillOpen, Rarity.Of(prevalence, context.Tuning.Prevalence), tiers),
            });
        }
        return findings;
    }

    /// <summary>
    /// Adds up the durations of <paramref name="connections"/> (in time order), each cut at
    /// <paramref name="windowEndTicks"/>: a session logged at its start and still open at the end
    /// of the window counts only the part inside it.
    /// </summary>
    public static ConnectionTime Measure(ReadOnlySpan<ChannelConnection> connections, long windowEndTicks)
    {
        long total = 0, covered = 0, longest = 0, coveredUntil = long.MinValue;
        int with = 0, without = 0;
        foreach (ref readonly var c in connections)
        {
            if (c.DurationTicks < 0)
            {
                without++;
                continue;
            }
            with++;
            var end = Math.Min(c.Ticks + c.DurationTicks, Math.Max(windowEndTicks, c.Ticks));
            var length = end - c.Ticks;
            total += length;
            longest = Math.Max(longest, length);
            // Connections come in start order: only the part past what is already covered is new.
            var from = Math.Max(c.Ticks, coveredUntil);
            if (end > from)
                covered += end - from;
            coveredUntil = Math.Max(coveredUntil, end);
        }
        return new ConnectionTime(TimeSpan.FromTicks(total), TimeSpan.FromTicks(covered), TimeSpan.FromTicks(longest), with, without);
    }

    /// <summary>The share of the highest tier reached: 1 at or beyond it.</summary>
    public static double Score(TimeSpan total, LongConnectionTiers tiers)
    {
        var top = tiers.Tiers.Count == 0 ? TimeSpan.Zero : tiers.Tiers[^1].AtLeast;
        return top <= TimeSpan.Zero ? 1 : Math.Round(Math.Min(1, total / top), 3);
    }

    private static List<string> Reasons(ConnectionTime time, TimeSpan total, long overflow, long stillOpen, DestinationRarity rarity, LongConnectionTiers tiers)
    {
        var tier = tiers.Tiers.Last(t => total >= t.AtLeast);
        var reasons = new List<string>
        {
            $"connected {Hours(total)} in the window over {time.WithDuration:N0} connections (tier: at least {DurationFormat.Format(tier.AtLeast)})",
        };
        if (time.Covered < total)
            reasons.Add($"{Hours(time.Covered)} with overlapping connections counted once");
        if (time.Longest >= tiers.Tiers[0].AtLeast)
            reasons.Add(rarity == DestinationRarity.Rare
                ? $"one session held {Hours(time.Longest)} to a rare destination"
                : $"one session held {Hours(time.Longest)}");
        if (stillOpen > 0)
            reasons.Add(stillOpen == 1
                ? "the session was still open at its last record (Zeek conn_long/open_conn, no conn.log record of it closing): counted up to that record, it may have lasted longer"
                : $"{stillOpen:N0} sessions were still open at their last record (Zeek conn_long/open_conn, no conn.log record of them closing): counted up to that record, they may have lasted longer");
        if (time.WithoutDuration > 0)
            reasons.Add($"{time.WithoutDuration:N0} connections without a logged duration count for nothing");
        if (overflow > 0)
            reasons.Add($"{overflow:N0} connections beyond the per-channel limit: their durations come from the channel's running total");
        return reasons;
    }

    private static string Hours(TimeSpan span) => span.TotalHours.ToString("0.0", CultureInfo.InvariantCulture) + " h";
}
