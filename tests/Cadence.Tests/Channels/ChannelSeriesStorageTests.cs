using Cadence.Channels;

namespace Cadence.Tests.Channels;

/// <summary>
/// A channel keeps times alone until a connection brings a size or a duration, then whole
/// connections: what it reports must not depend on which it holds.
/// </summary>
public class ChannelSeriesStorageTests
{
    private static readonly ChannelLimits Limits = new();

    private static ChannelSeries Series(IEnumerable<Cadence.Telemetry.NetworkEvent> events)
    {
        var series = new ChannelSeries();
        foreach (var e in events)
            series.AddConnection(e, 1UL, Limits);
        series.SortByTime();
        return series;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(40)]
    public void Times_alone_read_as_connections_with_every_count_unknown(int count)
    {
        var series = Series(Enumerable.Range(0, count).Reverse().Select(i => Events.At(Events.T0.AddSeconds(60 * i))));

        var times = new long[count];
        var sent = new long[count];
        series.CopyTimesTo(times);

        Assert.False(series.CopySentBytesTo(sent));
        Assert.All(sent, s => Assert.Equal(-1, s));
        Assert.Equal(Enumerable.Range(0, count).Select(i => Events.T0.AddSeconds(60 * i).Ticks), times);
        Assert.Equal(times.Select(t => new ChannelConnection(t, -1, -1, -1, -1)), series.Connections.ToArray());
        Assert.Equal((null, null), series.ByteTotals());
        Assert.Equal((times[0], times[^1]), series.ConnectionSpan());
        Assert.True(series.WholeConnections.IsEmpty);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(9)]
    public void A_size_arriving_later_keeps_the_earlier_times_as_unknown_counts(int timesFirst)
    {
        var events = Enumerable.Range(0, timesFirst).Select(i => Events.At(Events.T0.AddSeconds(60 * i)))
            .Concat(Enumerable.Range(timesFirst, 10).Select(i => Events.At(Events.T0.AddSeconds(60 * i), sent: 100 + i, received: 1000)))
            .ToList();
        var series = Series(events);

        var connections = series.Connections.ToArray();
        Assert.Equal(timesFirst + 10, connections.Length);
        Assert.All(connections.Take(timesFirst), c => Assert.Equal((-1L, -1L), (c.SentBytes, c.ReceivedBytes)));
        Assert.Equal(Enumerable.Range(timesFirst, 10).Select(i => 100L + i), connections.Skip(timesFirst).Select(c => c.SentBytes));
        var sent = new long[connections.Length];
        Assert.True(series.CopySentBytesTo(sent));
        Assert.Equal(connections.Select(c => c.SentBytes), sent);
        Assert.Equal((Enumerable.Range(timesFirst, 10).Sum(i => 100L + i), 10_000L), series.ByteTotals());
        Assert.Equal(connections, series.WholeConnections.ToArray());
    }

    [Fact]
    public void The_window_is_kept_alike_in_both_forms()
    {
        foreach (long? sent in new long?[] { null, 250 })
        {
            var series = new ChannelSeries();
            for (var i = 0; i < 30; i++)
                series.AddConnection(Events.At(Events.T0.AddMinutes(i), sent: sent), 1UL, Limits);

            var dropped = series.KeepWindow(Events.T0.AddMinutes(9).Ticks, Events.T0.AddMinutes(19).Ticks);

            Assert.Equal(20, dropped);
            Assert.Equal(Enumerable.Range(10, 10).Select(i => Events.T0.AddMinutes(i).Ticks), series.Connections.ToArray().Select(c => c.Ticks));
        }
    }
}

/// <summary>
/// A batch reads its channels without the lock before adding to them (ChannelGrouping.Apply),
/// while the other reader thread may grow a channel's storage or switch it to whole connections.
/// </summary>
public class ChannelSeriesConcurrentGrowthTests
{
    [Fact]
    public void Two_threads_growing_and_switching_the_same_channels_lose_nothing()
    {
        const int PerThread = 60_000, Channels = 8;
        using var grouping = new ChannelGrouping(new ChannelScope(new HashSet<int> { 443 }), TimeSpan.FromDays(30), null);
        void Feed(int thread)
        {
            for (var i = 0; i < PerThread; i++)
            {
                // Times alone at first; sizes from the middle on, so channels switch while both threads add.
                long? sent = i > PerThread / 2 ? 100 : null;
                grouping.Accept(Events.At(Events.T0.AddSeconds(i * 2 + thread), url: $"c{i % Channels}.example", sent: sent));
            }
        }
        var threads = new[] { new Thread(() => Feed(0)), new Thread(() => Feed(1)) };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();

        var table = grouping.Complete(null).Channels;

        Assert.Equal(Channels, table.Count);
        Assert.Equal(2 * PerThread, table.All.ToArray().Sum(c => c.Value.Count));
    }
}
