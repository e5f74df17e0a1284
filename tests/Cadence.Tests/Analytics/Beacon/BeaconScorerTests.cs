using Cadence.Analytics.Beacon;

namespace Cadence.Tests.Analytics.Beacon;

public class BeaconScorerTests
{
    private static readonly DateTime Start = new(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc);
    private static readonly BeaconParameters Day = new(6, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));

    /// <summary>Check-in times from a sleep model, for <paramref name="span"/> from <see cref="Start"/>.</summary>
    private static long[] Series(Func<Random, double> nextSleepSeconds, TimeSpan span, int seed = 7, Func<DateTime, bool>? awake = null)
    {
        var random = new Random(seed);
        var times = new List<long>();
        var t = Start;
        while (t < Start + span)
        {
            if (awake is null || awake(t))
                times.Add(t.Ticks);
            t = t.AddSeconds(nextSleepSeconds(random));
        }
        return [.. times];
    }

    private static BeaconAssessment Assess(long[] ticks, BeaconParameters? parameters = null, long[]? sizes = null) =>
        BeaconScorer.Assess(ticks, sizes ?? [], parameters ?? Day);

    public static TheoryData<string, double, double, double, double> FrameworkDefaults => new()
    {
        // name, S, jitter low share, jitter high share, expected period (median interval)
        { "metronome 60 s", 60, 0, 0, 60 },
        { "Cobalt Strike 60 s, 50 % jitter: uniform [30, 60]", 60, 0.5, 0, 45 },
        { "Cobalt Strike 60 s, 20 % jitter: uniform [48, 60]", 60, 0.2, 0, 54 },
        { "Sliver 60 s + [0, 30) s", 60, 0, 0.5, 75 },
        { "Mythic 10 s +-23 %", 10, 0.23, 0.23, 10 },
        { "Covenant 5 s, 10 % jitter", 5, 0.1, 0, 4.75 },
    };

    [Theory]
    [MemberData(nameof(FrameworkDefaults))]
    public void Framework_default_sleeps_are_found_with_their_period_and_score_medium_or_above(string name, double sleep, double below, double above, double period)
    {
        var ticks = Series(r => sleep * (1 - below + r.NextDouble() * (below + above)), TimeSpan.FromHours(24));

        var a = Assess(ticks);

        Assert.True(a.Scored, name);
        Assert.InRange(a.PeriodSeconds, period * 0.95, period * 1.05);
        Assert.True(a.Score >= 0.65, $"{name}: score {a.Score}");
        Assert.Equal(1, a.Persistence);
        Assert.Null(a.SizeConsistency);
    }

    [Fact]
    public void PoshC2_whole_second_jitter_is_regular()
    {
        // 5 s +-20 % rounded to whole seconds: 4, 5 or 6.
        var ticks = Series(r => r.Next(4, 7), TimeSpan.FromHours(8));

        var a = Assess(ticks);

        Assert.InRange(a.PeriodSeconds, 4, 6);
        Assert.True(a.Score >= 0.8, $"score {a.Score}");
    }

    [Fact]
    public void Metronome_has_no_jitter_and_full_regularity()
    {
        var ticks = Series(_ => 300, TimeSpan.FromHours(24));

        var a = Assess(ticks);

        Assert.Equal(300, a.PeriodSeconds);
        Assert.Equal(0, a.Jitter);
        Assert.Equal(1, a.Regularity);
        Assert.Equal(1, a.Score);
        Assert.Contains(a.Reasons, r => r.StartsWith("period 5 min", StringComparison.Ordinal));
    }

    [Fact]
    public void Missed_check_ins_are_folded_not_counted_as_irregularity()
    {
        var all = Series(r => 60 + r.NextDouble() * 3, TimeSpan.FromHours(24));
        var random = new Random(3);
        var ticks = all.Where((_, i) => i == 0 || random.NextDouble() > 0.15).ToArray();

        var a = Assess(ticks);

        Assert.InRange(a.PeriodSeconds, 60, 63);
        Assert.InRange(a.MissedCheckIns, (int)(all.Length * 0.1), (int)(all.Length * 0.2));
        Assert.True(a.Regularity >= 0.95, $"regularity {a.Regularity}");
    }

    [Fact]
    public void Tasking_bursts_are_merged_into_their_check_in()
    {
        var beacon = Series(_ => 60, TimeSpan.FromHours(12));
        // Every tenth check-in the operator tasks the implant: four more connections 2 s apart.
        var ticks = beacon.SelectMany((t, i) => i % 10 == 0
            ? Enumerable.Range(0, 5).Select(k => t + TimeSpan.FromSeconds(2 * k).Ticks)
            : [t]).ToArray();

        var a = Assess(ticks);

        Assert.Equal(60, a.PeriodSeconds);
        Assert.Equal(beacon.Length, a.CheckIns);
        Assert.Equal(4 * ((beacon.Length + 9) / 10), a.BurstConnections);
        Assert.Equal(1, a.Regularity);
    }

    [Fact]
    public void Office_hours_beacon_is_not_penalized_for_its_nights()
    {
        // 5 min, 08:00-18:00, three days: two nights of silence.
        var ticks = Series(r => 300 + r.NextDouble() * 30, TimeSpan.FromDays(3), awake: t => t.Hour is >= 8 and < 18);

        var a = Assess(ticks, Day with { Window = TimeSpan.FromDays(3) });

        Assert.Equal(2, a.Gaps);
        Assert.InRange(a.PeriodSeconds, 300, 330);
        Assert.Equal(1, a.Persistence);
        Assert.True(a.Score >= 0.9, $"score {a.Score}");
    }

    [Theory]
    [InlineData(1800, 24)]
    [InlineData(3600, 24)]
    [InlineData(86400, 24 * 7)]
    public void Slow_beacons_are_scored_from_few_check_ins(double sleep, int hours)
    {
        var window = TimeSpan.FromHours(hours);
        var ticks = Series(r => sleep * (0.9 + r.NextDouble() * 0.2), window);

        var a = Assess(ticks, Day with { Window = window });

        Assert.True(a.Scored);
        Assert.InRange(a.PeriodSeconds, sleep * 0.9, sleep * 1.1);
        Assert.True(a.Score >= 0.65, $"score {a.Score}");
    }

    [Fact]
    public void One_second_beacon_is_not_taken_for_duplicates()
    {
        var ticks = Series(_ => 1.0, TimeSpan.FromHours(1));

        var a = Assess(ticks);

        Assert.Equal(0, a.Duplicates);
        Assert.Equal(1, a.PeriodSeconds);
    }

    [Fact]
    public void Sub_second_duplicates_are_merged_and_said()
    {
        var ticks = Series(_ => 60, TimeSpan.FromHours(2)).SelectMany(t => new[] { t, t + TimeSpan.FromMilliseconds(300).Ticks }).ToArray();

        var a = Assess(ticks);

        Assert.Equal(ticks.Length / 2, a.Duplicates);
        Assert.Equal(60, a.PeriodSeconds);
        Assert.Contains(a.Reasons, r => r.Contains("retries, keep-alive", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Human_activity_with_exponential_gaps_scores_low(int seed)
    {
        // Browsing: a page every two minutes on average, memoryless.
        var ticks = Series(r => -120 * Math.Log(1 - r.NextDouble()), TimeSpan.FromHours(10), seed);

        var a = Assess(ticks);

        Assert.True(a.Score < 0.5, $"score {a.Score}");
    }

    [Fact]
    public void Short_lived_regular_activity_has_low_persistence()
    {
        // A page auto-refreshing every 60 s for one hour of a day.
        var ticks = Series(_ => 60, TimeSpan.FromHours(1));

        var a = Assess(ticks);

        Assert.InRange(a.Persistence, 0.1, 0.2);
        Assert.True(a.Score < 0.8, $"score {a.Score}");
    }

    [Fact]
    public void Too_few_check_ins_are_not_scored_and_say_why()
    {
        var a = Assess(Series(_ => 60, TimeSpan.FromMinutes(5)));

        Assert.False(a.Scored);
        Assert.Equal("5 check-ins; at least 6 are needed to show a period", a.NotScoredReason);
    }

    [Fact]
    public void Constant_sizes_are_consistent_and_varying_sizes_are_not()
    {
        var ticks = Series(_ => 60, TimeSpan.FromHours(2));
        var random = new Random(5);

        var constant = Assess(ticks, sizes: [.. ticks.Select(_ => 1049L)]);
        var varying = Assess(ticks, sizes: [.. ticks.Select(_ => (long)random.Next(100, 100_000))]);

        Assert.Equal(1, constant.SizeConsistency);
        Assert.Equal(0, varying.SizeConsistency);
        Assert.True(constant.Score > varying.Score);
    }

    [Fact]
    public void Unknown_sizes_are_not_scored_and_say_so()
    {
        var ticks = Series(_ => 60, TimeSpan.FromHours(2));

        var a = Assess(ticks, sizes: [.. ticks.Select(_ => -1L)]);

        Assert.Null(a.SizeConsistency);
        Assert.Contains(a.Reasons, r => r.Contains("data size not scored", StringComparison.Ordinal));
    }
}
