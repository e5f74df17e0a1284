using Cadence.Analytics.Beacon;

namespace Cadence.Tests.Analytics.Beacon;

/// <summary>The scorer's working arrays are reused from channel to channel: no channel may see another's.</summary>
public class BeaconScratchTests
{
    private static readonly BeaconParameters Parameters = new(6, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));

    /// <summary>Series of every kind the scorer treats differently, long and short, in random order.</summary>
    private static IEnumerable<(long[] Ticks, long[] Sizes)> Series(int seed)
    {
        var random = new Random(seed);
        var start = new DateTime(2024, 3, 25, 0, 0, 0, DateTimeKind.Utc).Ticks;
        for (var s = 0; s < 300; s++)
        {
            var count = random.Next(2, s % 10 == 0 ? 3000 : 120);
            var period = TimeSpan.FromSeconds(random.Next(1, 3600)).Ticks;
            var kind = random.Next(5);
            var ticks = new List<long>();
            var t = start;
            for (var i = 0; i < count; i++)
            {
                t += kind switch
                {
                    0 => period,                                                          // metronome
                    1 => (long)(period * (0.5 + random.NextDouble() * 0.5)),              // Cobalt Strike jitter
                    2 => random.Next(10) == 0 ? period * random.Next(2, 5) : period,      // missed check-ins
                    3 => random.Next(8) == 0 ? TimeSpan.FromMilliseconds(300).Ticks : period, // bursts and duplicates
                    _ => (long)(-Math.Log(1 - random.NextDouble()) * period),             // browsing
                };
                ticks.Add(t);
            }
            var sizes = random.Next(3) == 0 ? [] : ticks.Select(_ => (long)random.Next(-1, 5000)).ToArray();
            yield return ([.. ticks], sizes);
        }
    }

    [Fact]
    public void A_reused_scratch_gives_what_a_fresh_one_gives()
    {
        var scratch = new BeaconScratch();
        var scored = 0;
        foreach (var (ticks, sizes) in Series(11))
        {
            var fresh = BeaconScorer.Assess(ticks, sizes, Parameters);
            var reused = BeaconScorer.Assess(ticks, sizes, Parameters, scratch);
            Assert.Equal(fresh, reused);
            Assert.Equal(fresh.Reasons, reused.Reasons);
            scored += fresh.Scored ? 1 : 0;
        }
        Assert.True(scored > 100, $"only {scored} series scored: the cases must reach the scoring");
    }
}
