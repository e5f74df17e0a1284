using Cadence.Analytics.Seed;
using Cadence.Channels;

namespace Cadence.Tests.Channels;

public class WindowedChannelsTests
{
    private static readonly DateTime AsOf = Events.T0.AddDays(1);

    [Theory]
    [InlineData(0L, false)]            // exactly asOf - window: `Timestamp > ago(24h)` excludes it
    [InlineData(1L, true)]             // one tick later is inside
    [InlineData(864_000_000_000L, true)]   // exactly as-of
    [InlineData(864_000_000_001L, false)]  // after as-of
    public void WindowIsOpenAtTheStartAndClosedAtAsOf(long ticksAfterWindowStart, bool inside)
    {
        foreach (DateTime? asOf in new DateTime?[] { AsOf, null })
        {
            var channels = new WindowedChannels(TimeSpan.FromDays(1), asOf);
            var e = Events.At(Events.T0.AddTicks(ticksAfterWindowStart));
            channels.Add(SeedRule.KeyOf(e), e);
            // With as-of from the data, the latest event read anywhere fixes it.
            var summaries = channels.Summarize(latestEventTicks: AsOf.Ticks);
            Assert.Equal(inside ? 1 : 0, summaries.Values.Sum(s => s.Count));
            Assert.Equal(inside ? 0 : 1, channels.OutsideWindow);
        }
    }

    [Fact]
    public void AsOfFromTheDataMatchesAnExplicitAsOfOverManyPrunes()
    {
        // 300,000 events over three days, in a scrambled order, across 50 channels: enough for
        // several prunes. The deferred mode must give exactly what an explicit as-of gives.
        var random = new Random(42);
        var events = Enumerable.Range(0, 300_000)
            .Select(i => Events.At(Events.T0.AddTicks((long)(random.NextDouble() * 3 * TimeSpan.TicksPerDay)),
                device: $"ws-{i % 50}", sent: i % 3 == 0 ? null : i, url: $"u{i % 7}"))
            .OrderBy(e => e.TimestampTicks / TimeSpan.TicksPerHour * 7919 % 72)
            .ToList();
        var latest = events.Max(e => e.TimestampTicks);

        var deferred = new WindowedChannels(TimeSpan.FromDays(1), asOf: null);
        var explicitAsOf = new WindowedChannels(TimeSpan.FromDays(1), new DateTime(latest, DateTimeKind.Utc));
        foreach (var e in events)
        {
            deferred.Add(SeedRule.KeyOf(e), e);
            explicitAsOf.Add(SeedRule.KeyOf(e), e);
        }

        var a = deferred.Summarize(latest);
        var b = explicitAsOf.Summarize();
        Assert.Equal(50, b.Count);
        Assert.Equal(b.Keys.Order(), a.Keys.Order());
        foreach (var (key, expected) in b)
        {
            var actual = a[key];
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected.FirstTicks, actual.FirstTicks);
            Assert.Equal(expected.LastTicks, actual.LastTicks);
            Assert.Equal(expected.BytesSent, actual.BytesSent);
            Assert.Equal(expected.DistinctUrls, actual.DistinctUrls);
        }
        Assert.Equal(explicitAsOf.OutsideWindow, deferred.OutsideWindow);
    }
}
