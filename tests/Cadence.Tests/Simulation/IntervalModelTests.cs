using Cadence.Simulation;

namespace Cadence.Tests.Simulation;

/// <summary>The sleep-and-jitter rules, sampled: bounds exact, means and spread as the frameworks document them.</summary>
public class IntervalModelTests
{
    private const int Samples = 20_000;

    private static double[] Draw(IntervalModel model, int stream = 0)
    {
        var random = SimulationRandom.For(42, 0, stream);
        return [.. Enumerable.Range(0, Samples).Select(_ => model.Next(random))];
    }

    public static TheoryData<string, double, double, double> Frameworks => new()
    {
        // profile, expected min, expected max (inclusive bounds the draws must respect), expected mean
        { "cobaltstrike-60s-j50", 30, 60, 45 },
        { "sliver-60s-j30s", 60, 90, 75 },
        { "mythic-10s-j23", 7.7, 12.3, 10 },
        { "covenant-5s-j10", 4.5, 5.5, 5 },
        { "empire-5s-j0", 5, 5, 5 },
        { "poshc2-5s-j20", 4, 6, 5 },
        { "cobaltstrike-30m-j20", 1440, 1800, 1620 },
        { "cobaltstrike-1h-j10", 3240, 3600, 3420 },
        { "cdn-8ip-60s-j20", 48, 60, 54 },
        { "officehours-5m-j10", 270, 330, 300 },
        { "chrome-injected-45s-j20", 36, 45, 40.5 },
    };

    [Theory]
    [MemberData(nameof(Frameworks))]
    public void EachImplantSleepsWithinItsFrameworksBoundsAroundItsMean(string profile, double min, double max, double mean)
    {
        var model = ImplantProfiles.All.OfType<PeriodicChannel>().Single(c => c.Profile.Id == profile).Interval;
        Assert.Equal(min, model.Min, 9);
        Assert.Equal(max, model.Max, 9);
        Assert.Equal(mean, model.Mean, 9);

        var draws = Draw(model);
        Assert.All(draws, d => Assert.InRange(d, min, max));
        // Uniform draws: the sample mean is within 1 % of the range of the true mean (many standard errors).
        Assert.InRange(draws.Average(), mean - (max - min) * 0.01 - 1e-9, mean + (max - min) * 0.01 + 1e-9);
        if (max > min)
        {
            // Uniform over the whole range: both ends are reached.
            Assert.InRange(draws.Min(), min, min + (max - min) * 0.01);
            Assert.InRange(draws.Max(), max - (max - min) * 0.01, max);
        }
    }

    [Fact]
    public void CobaltStrikeJitterOnlyShortensTheSleepAndSpreadsEvenly()
    {
        // sleep 60 jitter 50: uniform on [30, 60]; each tenth of the range holds a tenth of the draws.
        var draws = Draw(new CobaltStrikeJitter(60, 0.5));
        var deciles = draws.GroupBy(d => Math.Min(9, (int)((d - 30) / 3))).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, deciles.Count);
        Assert.All(deciles.Values, n => Assert.InRange(n, Samples / 10 * 0.9, Samples / 10 * 1.1));
    }

    [Fact]
    public void SliverAddsUpToThirtySecondsButNeverThirty()
    {
        var draws = Draw(new SliverJitter(60, 30));
        Assert.All(draws, d => Assert.True(d is >= 60 and < 90, $"{d} outside [60, 90)"));
    }

    [Fact]
    public void PoshC2SleepsInWholeSeconds()
    {
        var draws = Draw(new WholeSecondJitter(5, 0.2));
        Assert.All(draws, d => Assert.Equal(Math.Round(d), d));
        Assert.Equal([4.0, 5.0, 6.0], draws.Distinct().Order());
        Assert.All(draws.GroupBy(d => d), g => Assert.InRange(g.Count(), Samples / 3 * 0.9, Samples / 3 * 1.1));
    }

    [Fact]
    public void BenignTimersAreRegularAndSyncClientsDrift()
    {
        var agent = Draw(BenignProfiles.MonitoringAgent.Interval);
        Assert.InRange(agent.Average(), 59.9, 60.1);
        Assert.InRange(StandardDeviation(agent), 0.25, 0.35);

        var oneDrive = Draw(BenignProfiles.OneDrive.Interval);
        Assert.All(oneDrive, d => Assert.InRange(d, 240, 400));
        Assert.InRange(StandardDeviation(oneDrive), 20, 40);
    }

    [Fact]
    public void StreamsAreIndependentAndRepeatable()
    {
        var model = new CobaltStrikeJitter(60, 0.5);
        Assert.Equal(Draw(model, 1), Draw(model, 1));
        Assert.NotEqual(Draw(model, 1), Draw(model, 2));
    }

    private static double StandardDeviation(double[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }
}
