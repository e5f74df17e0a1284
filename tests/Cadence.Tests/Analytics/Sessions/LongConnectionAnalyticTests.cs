using Cadence.Analytics.Sessions;
using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Analytics.Sessions;

public class LongConnectionAnalyticTests
{
    private static readonly long Hour = TimeSpan.TicksPerHour;

    private static ChannelConnection At(double startHours, double durationHours) =>
        new((long)(startHours * Hour), -1, -1, -1, durationHours < 0 ? -1 : (long)(durationHours * Hour));

    public static TheoryData<string, ChannelConnection[], double, double, double, int, int> Cases => new()
    {
        // name, connections, total, covered, longest (h), with, without duration; the window ends at 24 h
        { "one session", [At(1, 5)], 5, 5, 5, 1, 0 },
        { "short ones add up", [.. Enumerable.Range(0, 120).Select(i => At(i * 0.1, 0.05))], 6, 6, 0.05, 120, 0 },
        { "overlaps count once in covered", [At(0, 4), At(1, 4)], 8, 5, 4, 2, 0 },
        { "cut at the end of the window", [At(20, 10)], 4, 4, 4, 1, 0 },
        { "no duration is nothing", [At(1, -1), At(2, -1)], 0, 0, 0, 0, 2 },
        { "mixed", [At(1, -1), At(2, 1.5)], 1.5, 1.5, 1.5, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Measure_adds_logged_durations_only(string name, ChannelConnection[] connections,
        double total, double covered, double longest, int with, int without)
    {
        var time = LongConnectionAnalytic.Measure(connections, 24 * Hour);

        Assert.True(Math.Abs(total - time.Total.TotalHours) < 1e-6, $"{name}: total {time.Total.TotalHours}");
        Assert.True(Math.Abs(covered - time.Covered.TotalHours) < 1e-6, $"{name}: covered {time.Covered.TotalHours}");
        Assert.True(Math.Abs(longest - time.Longest.TotalHours) < 1e-6, $"{name}: longest {time.Longest.TotalHours}");
        Assert.Equal(with, time.WithDuration);
        Assert.Equal(without, time.WithoutDuration);
    }

    // RITA's tiers as the default tuning file has them: 1 h low, 4 h medium, 8 h high, 12 h critical.
    [Theory]
    [InlineData(0.5, null, 0.042)]
    [InlineData(1, Severity.Low, 0.083)]
    [InlineData(3.9, Severity.Low, 0.325)]
    [InlineData(4, Severity.Medium, 0.333)]
    [InlineData(8, Severity.High, 0.667)]
    [InlineData(12, Severity.Critical, 1)]
    [InlineData(30, Severity.Critical, 1)]
    public void Tiers_rate_the_total(double hours, Severity? expected, double score)
    {
        var tiers = TuningFile.Default.LongConnections;

        Assert.Equal(expected, tiers.Classify(TimeSpan.FromHours(hours)));
        Assert.Equal(score, LongConnectionAnalytic.Score(TimeSpan.FromHours(hours), tiers));
    }
}
